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
      private final FrameParser parser = new FrameParser(maxFrameBytes);

      {
        setHandler(
            in,
            new AbstractInHandler() {
              @Override
              public void onPush() {
                parser.offer(grab(in));
                emitOrPull();
              }

              @Override
              public void onUpstreamFinish() {
                if (parser.buffered() == 0) {
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
        parser.clear();
        if (!isClosed(in)) {
          cancel(in);
        }
        fail(out, e);
      }

      /** Called when downstream has demand: emit one frame, or ask for more bytes. */
      private void emitOrPull() {
        ByteString frame;
        try {
          frame = parser.next();
        } catch (FrameException e) {
          // Failed, not thrown: Pekko logs an exception thrown by a handler at ERROR, and a peer
          // sending garbage is an expected event at the edge, not an error of this node.
          failFraming(e);
          return;
        }
        if (frame != null) {
          push(out, frame);
          if (isClosed(in) && parser.buffered() == 0) {
            completeStage();
          }
        } else if (isClosed(in)) {
          failFraming(
              new CorruptedFrameException(
                  "stream ended inside a frame (" + parser.buffered() + " bytes of it received)"));
        } else if (!hasBeenPulled(in)) {
          pull(in);
        }
      }

    };
  }
}
