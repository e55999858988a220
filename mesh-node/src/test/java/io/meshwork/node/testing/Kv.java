package io.meshwork.node.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.meshwork.protocol.services.v1.Consistency;
import io.meshwork.protocol.services.v1.KvDeleteRequest;
import io.meshwork.protocol.services.v1.KvGetReply;
import io.meshwork.protocol.services.v1.KvGetRequest;
import io.meshwork.protocol.services.v1.KvKeysRequest;
import io.meshwork.protocol.services.v1.KvPutRequest;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;

/** Requests to the kv service, for tests. */
public final class Kv {
  private Kv() {}

  public static Request request(long id, String method, Message payload) {
    return Request.newBuilder()
        .setId(id)
        .setService("kv")
        .setMethod(method)
        .setPayload(payload.toByteString())
        .setDeadlineMs(10_000)
        .build();
  }

  public static Request put(long id, String key, String value, Consistency consistency) {
    return request(
        id,
        "put",
        KvPutRequest.newBuilder()
            .setKey(key)
            .setValue(ByteString.copyFromUtf8(value))
            .setConsistency(consistency)
            .build());
  }

  public static Request get(long id, String key, Consistency consistency) {
    return request(id, "get", KvGetRequest.newBuilder().setKey(key).setConsistency(consistency).build());
  }

  public static Request delete(long id, String key, Consistency consistency) {
    return request(id, "delete", KvDeleteRequest.newBuilder().setKey(key).setConsistency(consistency).build());
  }

  public static Request keys(long id, String prefix, String startAfter, int limit, Consistency consistency) {
    return request(
        id,
        "keys",
        KvKeysRequest.newBuilder()
            .setPrefix(prefix)
            .setStartAfter(startAfter)
            .setLimit(limit)
            .setConsistency(consistency)
            .build());
  }

  /** The reply's payload, after checking that the reply is OK. */
  public static <T> T ok(Reply reply, Parser<T> parser) {
    assertThat(reply.getStatus()).as("%s: %s", reply.getStatus(), reply.getError()).isEqualTo(Status.OK);
    try {
      return parser.parseFrom(reply.getPayload());
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  /** The value found for a get, or null when the key has none. */
  public static String value(Reply getReply) {
    KvGetReply reply = ok(getReply, KvGetReply.parser());
    return reply.getFound() ? reply.getValue().toStringUtf8() : null;
  }
}
