package io.meshwork.bench;

import com.google.protobuf.CodedInputStream;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.io.IOException;
import java.nio.ByteBuffer;

/** What {@link NioEchoServer} answers: the protocol's rules for an echo-only server. */
final class EchoReplies {
  private EchoReplies() {}

  /**
   * The reply to one frame body: {@code Reply{id, payload}} for {@code echo} (or an empty service,
   * as on a service's dedicated port), {@code NOT_FOUND} for another service, {@code Reply{id: 0,
   * BAD_REQUEST}} for a body that is not a {@code Request}. The reply may share {@code body}'s
   * bytes: encode it before they change.
   */
  static Reply answer(ByteBuffer body) {
    Request request;
    try {
      // Aliasing: the payload stays a view of the read buffer instead of a copy. The reply is
      // encoded before that buffer is reused.
      CodedInputStream in = CodedInputStream.newInstance(body);
      in.enableAliasing(true);
      request = Request.parseFrom(in);
    } catch (IOException e) { // an InvalidProtocolBufferException: a buffer fails no other way
      return failure(
          0, Status.BAD_REQUEST, "frame is not a meshwork.v1.Request: " + e.getMessage());
    }
    String service = request.getService();
    if (service.isEmpty() || service.equals("echo")) {
      return Reply.newBuilder().setId(request.getId()).setPayload(request.getPayload()).build();
    }
    return failure(request.getId(), Status.NOT_FOUND, "no service \"" + service + "\" here");
  }

  /** The answer to a length prefix the stream cannot be followed past; the connection closes. */
  static Reply badPrefix(String what, int maxFrameBytes) {
    return failure(
        0,
        Status.BAD_REQUEST,
        what + " (expected: a varint32 length of at most " + maxFrameBytes + " bytes)");
  }

  private static Reply failure(long id, Status status, String error) {
    return Reply.newBuilder().setId(id).setStatus(status).setError(error).build();
  }
}
