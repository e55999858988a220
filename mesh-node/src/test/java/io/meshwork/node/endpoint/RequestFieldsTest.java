package io.meshwork.node.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.protocol.v1.Request;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast path agrees with protobuf's own parser on everything it accepts. */
class RequestFieldsTest {
  private static void assertAgrees(RequestFields fields, byte[] bytes) {
    Request reference;
    try {
      reference = Request.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      assertThat(fields.parse(bytes, 0, bytes.length))
          .as("protobuf rejects these bytes (%s), so must the fast path", e.getMessage())
          .isFalse();
      return;
    }
    if (!fields.parse(bytes, 0, bytes.length)) {
      return; // left to the generated parser: always allowed
    }
    assertThat(fields.id).isEqualTo(reference.getId());
    assertThat(fields.service).isEqualTo(reference.getService());
    assertThat(fields.method).isEqualTo(reference.getMethod());
    assertThat(fields.payload).isEqualTo(reference.getPayload());
    assertThat(fields.deadlineMs).isEqualTo(reference.getDeadlineMs());
    assertThat(fields.headers).isEqualTo(reference.getHeadersMap());
  }

  @Test
  void headersPastTheLimitsAreCountedNotDecoded() {
    HeaderLimits limits = new HeaderLimits(3, 100);
    RequestFields fields = new RequestFields(limits);
    Request.Builder many = Request.newBuilder().setId(9).setService("echo");
    for (int i = 0; i < 1000; i++) {
      many.putHeaders("h" + i, "v");
    }
    byte[] bytes = many.build().toByteArray();
    assertThat(fields.parse(bytes, 0, bytes.length)).isTrue();
    assertThat(fields.id).isEqualTo(9);
    assertThat(fields.headersExceeded()).isTrue();
    assertThat(fields.headerCount).isEqualTo(1000);
    assertThat(fields.headers).isEmpty();
    assertThat(limits.violation(fields.headerCount, fields.headerBytes))
        .isEqualTo("headers: 1000 entries (expected: at most 3, meshwork.endpoint.max-headers)");

    byte[] within = Request.newBuilder().setId(10).putHeaders("ab", "é").build().toByteArray();
    assertThat(fields.parse(within, 0, within.length)).isTrue();
    assertThat(fields.headersExceeded()).isFalse();
    assertThat(fields.headerBytes).isEqualTo(4); // UTF-8 bytes of name and value
    assertThat(limits.violation(fields.headers)).isNull();
    assertThat(limits.violation(Map.of("k", "x".repeat(100)))).contains("101 bytes of names and values");
  }

  @Test
  void ordinaryRequestsTakeTheFastPathWithTheSameFields() {
    RequestFields fields = new RequestFields(new HeaderLimits(64, 16 * 1024));
    Random random = new Random(1);
    for (int i = 0; i < 10_000; i++) {
      byte[] payload = new byte[random.nextInt(300)];
      random.nextBytes(payload);
      Request.Builder b =
          Request.newBuilder()
              .setId(random.nextLong())
              .setService(random.nextBoolean() ? "echo" : "kv-" + random.nextInt(3))
              .setPayload(ByteString.copyFrom(payload))
              .setDeadlineMs(random.nextInt());
      if (random.nextBoolean()) {
        b.setMethod(random.nextBoolean() ? "get" : "ünïcödé-" + random.nextInt(3));
      }
      for (int h = random.nextInt(4) - 1; h > 0; h--) {
        b.putHeaders(random.nextBoolean() ? "authorization" : "h-" + random.nextInt(5), "Bearer v" + random.nextInt());
      }
      byte[] bytes = b.build().toByteArray();
      assertThat(fields.parse(bytes, 0, bytes.length)).isTrue();
      assertAgrees(fields, bytes);
    }
  }

  @Test
  void repeatedFieldsLetTheLastOneWinAndOddShapesFallBack() throws IOException {
    RequestFields fields = new RequestFields(new HeaderLimits(64, 16 * 1024));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    o.writeUInt64(1, 5);
    o.writeString(2, "first");
    o.writeUInt64(1, 6);
    o.writeString(2, "echo");
    o.writeUInt32(5, -1); // 4294967295 ms
    o.flush();
    byte[] bytes = out.toByteArray();
    assertThat(fields.parse(bytes, 0, bytes.length)).isTrue();
    assertThat(fields.id).isEqualTo(6);
    assertThat(fields.service).isEqualTo("echo");
    assertThat(Integer.toUnsignedLong(fields.deadlineMs)).isEqualTo(4_294_967_295L);
    assertAgrees(fields, bytes);

    byte[] withHeaders =
        Request.newBuilder().setId(1).setService("echo").putHeaders("k", "v").build().toByteArray();
    assertThat(fields.parse(withHeaders, 0, withHeaders.length)).isTrue();
    assertThat(fields.headers).containsExactly(java.util.Map.entry("k", "v"));
    assertAgrees(fields, withHeaders);
    assertThat(fields.parse(bytes, 0, bytes.length)).isTrue();
    assertThat(fields.headers).as("a request without headers after one with").isEmpty();

    byte[] badUtf8 = {0x12, 0x02, (byte) 0xc3, 0x28}; // service = invalid UTF-8
    assertThat(fields.parse(badUtf8, 0, badUtf8.length)).isFalse();
    assertAgrees(fields, badUtf8);
  }

  /** One headers entry (field 6) with the given body. */
  private static void entry(CodedOutputStream o, byte[] body) throws IOException {
    o.writeByteArray(6, body);
  }

  private static byte[] entryBody(IOThrowing write) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    write.accept(o);
    o.flush();
    return out.toByteArray();
  }

  interface IOThrowing {
    void accept(CodedOutputStream o) throws IOException;
  }

  @Test
  void headerEntriesFollowProtobufsMapRulesAndOddEntriesFallBack() throws IOException {
    RequestFields fields = new RequestFields(new HeaderLimits(64, 16 * 1024));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    o.writeString(2, "echo");
    entry(o, entryBody(e -> e.writeString(2, "no key"))); // key "" (absent)
    entry(o, entryBody(e -> e.writeString(1, "no-value"))); // value "" (absent)
    entry(o, entryBody(e -> { e.writeString(2, "v1"); e.writeString(1, "k"); })); // value first
    entry(o, entryBody(e -> { e.writeString(1, "k"); e.writeString(2, "v2"); })); // last entry wins
    entry(o, entryBody(e -> { e.writeString(1, "x"); e.writeString(1, "y"); e.writeString(2, "z"); }));
    entry(o, new byte[0]); // an empty entry: "" -> "" (replaces the first)
    o.flush();
    byte[] bytes = out.toByteArray();
    assertThat(fields.parse(bytes, 0, bytes.length)).isTrue();
    assertThat(fields.headers)
        .containsOnly(
            java.util.Map.entry("", ""),
            java.util.Map.entry("no-value", ""),
            java.util.Map.entry("k", "v2"),
            java.util.Map.entry("y", "z"));
    assertAgrees(fields, bytes);

    // An unknown field inside an entry, a wrong wire type, invalid UTF-8, a length past the entry:
    // the generated parser decides.
    for (byte[] body :
        new byte[][] {
          entryBody(e -> { e.writeString(1, "k"); e.writeUInt32(3, 7); }),
          entryBody(e -> e.writeUInt32(1, 7)),
          {0x12, 0x02, (byte) 0xc3, 0x28},
          {0x0a, 0x05, 'a', 'b'},
        }) {
      ByteArrayOutputStream odd = new ByteArrayOutputStream();
      CodedOutputStream oo = CodedOutputStream.newInstance(odd);
      oo.writeString(2, "echo");
      entry(oo, body);
      oo.flush();
      byte[] oddBytes = odd.toByteArray();
      assertThat(fields.parse(oddBytes, 0, oddBytes.length)).isFalse();
      assertAgrees(fields, oddBytes);
    }
  }

  @Test
  void randomBytesAndMutatedRequestsNeverGetPastTheFastPathWhenProtobufRejectsThem() {
    RequestFields fields = new RequestFields(new HeaderLimits(64, 16 * 1024));
    Random random = new Random(2);
    byte[] valid =
        Request.newBuilder()
            .setId(300)
            .setService("echo")
            .setMethod("m")
            .setPayload(ByteString.copyFromUtf8("hello"))
            .setDeadlineMs(1000)
            .build()
            .toByteArray();
    byte[] withHeaders =
        Request.newBuilder()
            .setId(301)
            .setService("echo")
            .putHeaders("authorization", "Bearer t0k")
            .putHeaders("trace", "abc")
            .build()
            .toByteArray();
    for (int i = 0; i < 200_000; i++) {
      byte[] bytes;
      if (i % 2 == 0) {
        bytes = new byte[random.nextInt(40)];
        random.nextBytes(bytes);
      } else {
        bytes = (i % 4 == 1 ? valid : withHeaders).clone();
        int flips = 1 + random.nextInt(3);
        for (int f = 0; f < flips; f++) {
          bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        }
        if (random.nextInt(4) == 0) {
          bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
        }
      }
      assertAgrees(fields, bytes);
    }
  }
}
