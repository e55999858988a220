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
 * <p>Bounded: a length prefix above {@code maxFrameBytes} fails the stage with {@link
 * FrameTooLargeException} as soon as the prefix is complete (no body byte is awaited); a prefix that
 * is not a valid varint32 (a fifth byte with the continuation bit set, or with bits above the 32nd)
 * fails it with {@link CorruptedFrameException}, and so does an upstream that completes in the
 * middle of a frame. On such a failure upstream is cancelled without a failure cause, so a TCP
 * connection is closed rather than reset and the reader can still send an error reply. Non-minimal prefixes of up to five bytes are accepted, as protobuf does. Input
 * is pulled only when downstream wants a frame and none is buffered. Emitted frames are slices of
 * the received bytes (no copy). Pekko's own {@code Framing} only knows fixed-width length fields,
 * hence this stage.
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
                emitOrPull();
              }

              @Override
              public void onUpstreamFinish() {
                if (buffer.isEmpty()) {
                  completeStage();
                } else if (isAvailable(out)) {
                  emitOrPull();
                }
                // else: the next onPull emits what is left, then finishes.
              }
            });
        setHandler(
            out,
            new AbstractOutHandler() {
              @Override
              public void onPull() {
                emitOrPull();
              }
            });
      }

      /**
       * Fails downstream with the framing error but cancels upstream as a normal cancellation: a
       * failure cause would make Pekko's TCP stage abort the connection (RST), and the reader could
       * no longer write a last error reply before closing.
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
        ByteString frame;
        try {
          frame = nextFrame();
        } catch (FrameException e) {
          // Failed, not thrown: Pekko logs an exception thrown by a handler at ERROR, and a peer
          // sending garbage is an expected event at the edge, not an error of this node.
          failFraming(e);
          return;
        }
        if (frame != null) {
          push(out, frame);
          if (isClosed(in) && buffer.isEmpty()) {
            completeStage();
          }
        } else if (isClosed(in)) {
          failFraming(
              new CorruptedFrameException(
                  "stream ended inside a frame (" + buffer.size() + " bytes of it received)"));
        } else if (!hasBeenPulled(in)) {
          pull(in);
        }
      }

      /**
       * Removes and returns the next complete frame body, or null when more bytes are needed.
       *
       * <p>The whole prefix (at most five bytes) is read before the limit is checked, so a
       * malformed varint is reported as corrupted rather than as a frame of some made-up size.
       */
      private ByteString nextFrame() {
        int available = buffer.size();
        long length = 0;
        for (int i = 0; i < Varint.MAX_VARINT32_BYTES; i++) {
          if (i >= available) {
            return null;
          }
          int b = buffer.apply(i) & 0xff;
          if (i == Varint.MAX_VARINT32_BYTES - 1 && b > 0x0f) {
            throw new CorruptedFrameException(
                String.format(
                    "length prefix is not a valid varint32: fifth byte 0x%02x (expected: 0x00 to"
                        + " 0x0f, as a varint32 ends by its fifth byte)",
                    b));
          }
          length |= (long) (b & 0x7f) << (7 * i);
          if ((b & 0x80) == 0) {
            return takeFrame(i + 1, length);
          }
        }
        throw new AssertionError("unreachable: a fifth byte with the continuation bit is rejected");
      }

      /** The body that follows a {@code headerBytes}-byte prefix, or null while it is incomplete. */
      private ByteString takeFrame(int headerBytes, long length) {
        if (length > maxFrameBytes) {
          throw new FrameTooLargeException(length, maxFrameBytes);
        }
        long frameEnd = headerBytes + length; // a long: 5 + Integer.MAX_VALUE would overflow
        if (frameEnd > buffer.size()) {
          return null;
        }
        ByteString frame = buffer.slice(headerBytes, (int) frameEnd);
        buffer = buffer.drop((int) frameEnd);
        return frame;
      }
    };
  }
}
