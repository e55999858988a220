package io.meshwork.protocol.framing;

import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * Splits a byte stream into varint32-length-prefixed frames and emits each frame's body.
 *
 * <p>Bounded: a length prefix above {@code maxFrameBytes} fails the stream with {@link
 * FrameTooLargeException} as soon as the prefix shows it (before the body arrives); a prefix that is
 * not a valid varint32 fails it with {@link CorruptedFrameException}, and so does an upstream that
 * completes in the middle of a frame. On such a failure the downstream is failed and the upstream
 * is cancelled without a failure cause, so that a TCP connection is closed, not reset, and the
 * reader can still write a last error reply. Emitted frames are slices of the received bytes (no
 * copy).
 * Pekko's own {@code Framing} only knows fixed-width length fields, hence this stage.
 */
public final class VarintFrameDecoder extends GraphStage<FlowShape<ByteString, ByteString>> {
  private final int maxFrameBytes;
  private final Inlet<ByteString> in = Inlet.create("VarintFrameDecoder.in");
  private final Outlet<ByteString> out = Outlet.create("VarintFrameDecoder.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);

  public VarintFrameDecoder(int maxFrameBytes) {
    if (maxFrameBytes <= 0) {
      throw new IllegalArgumentException("maxFrameBytes: " + maxFrameBytes + " (expected: > 0)");
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new GraphStageLogic(shape) {
      private ByteString buffer = ByteString.emptyByteString();

      {
        setHandler(
            in,
            new AbstractInHandler() {
              @Override
              public void onPush() {
                buffer = buffer.concat(grab(in));
                try {
                  emitOrPull();
                } catch (FrameException e) {
                  failFraming(e);
                }
              }

              @Override
              public void onUpstreamFinish() {
                if (buffer.isEmpty()) {
                  completeStage();
                } else if (isAvailable(out)) {
                  try {
                    emitOrPull();
                  } catch (FrameException e) {
                    failFraming(e);
                  }
                }
                // else: the next onPull emits what is left, then finishes.
              }
            });
        setHandler(
            out,
            new AbstractOutHandler() {
              @Override
              public void onPull() {
                try {
                  emitOrPull();
                } catch (FrameException e) {
                  failFraming(e);
                }
              }
            });
      }

      /**
       * Fails downstream with the framing error but cancels upstream as a normal cancellation, so
       * that a TCP transport keeps the connection open long enough for the reader to send a final
       * error reply (a failure cause would make Pekko's TCP stage abort the connection with RST).
       */
      private void failFraming(FrameException e) {
        buffer = ByteString.emptyByteString();
        if (!isClosed(in)) {
          cancel(in);
        }
        fail(out, e);
      }

      /** Called when downstream has demand: emit one frame, or ask for more bytes. */
      private void emitOrPull() {
        ByteString frame = nextFrame();
        if (frame != null) {
          push(out, frame);
          if (isClosed(in) && buffer.isEmpty()) {
            completeStage();
          }
        } else if (isClosed(in)) {
          throw new CorruptedFrameException(
              "stream ended inside a frame (" + buffer.size() + " bytes of it received)");
        } else if (!hasBeenPulled(in)) {
          pull(in);
        }
      }

      /** Removes and returns the next complete frame body, or null when more bytes are needed. */
      private ByteString nextFrame() {
        int available = buffer.size();
        long length = 0;
        int shift = 0;
        for (int i = 0; i < Varint.MAX_VARINT32_BYTES; i++) {
          if (i >= available) {
            return null;
          }
          int b = buffer.apply(i) & 0xff;
          length |= (long) (b & 0x7f) << shift;
          if (length > maxFrameBytes) {
            throw new FrameTooLargeException(length, maxFrameBytes);
          }
          if ((b & 0x80) == 0) {
            int headerBytes = i + 1;
            long frameEnd = headerBytes + length;
            if (frameEnd > available) {
              return null;
            }
            ByteString frame = buffer.slice(headerBytes, (int) frameEnd);
            buffer = buffer.drop((int) frameEnd);
            return frame;
          }
          shift += 7;
        }
        throw new CorruptedFrameException(
            "length prefix is not a valid varint32 (more than "
                + Varint.MAX_VARINT32_BYTES
                + " bytes with the continuation bit set)");
      }
    };
  }
}
