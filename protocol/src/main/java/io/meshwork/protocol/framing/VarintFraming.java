package io.meshwork.protocol.framing;

import com.google.protobuf.MessageLite;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/** Pekko Streams flows for Meshwork's varint32-length-delimited frames. */
public final class VarintFraming {
  private VarintFraming() {}

  /** Bytes in, frame bodies out; see {@link VarintFrameDecoder} for the failure modes. */
  public static Flow<ByteString, ByteString, NotUsed> decoder(int maxFrameBytes) {
    return Flow.fromGraph(new VarintFrameDecoder(maxFrameBytes));
  }

  /** Messages in, length-prefixed frames out (byte-for-byte what {@code writeDelimitedTo} writes). */
  public static <M extends MessageLite> Flow<M, ByteString, NotUsed> encoder() {
    return Flow.<M>create().map(VarintFraming::encode);
  }

  /** One message as one length-prefixed frame. */
  public static ByteString encode(MessageLite message) {
    return ByteString.fromArrayUnsafe(Varint.encodeFrame(message));
  }
}
