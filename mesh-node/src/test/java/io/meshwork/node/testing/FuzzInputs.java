package io.meshwork.node.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.meshwork.protocol.v1.Request;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Hostile client input for the endpoint fuzz test, generated from a {@link Random} (so a seed
 * reproduces it). Two families: {@link #keepOpen} inputs are one complete frame each and leave the
 * connection usable (the node answers and carries on), so many are pipelined on one connection;
 * {@link #closing} inputs break the framing (or end the connection inside a frame) and need a
 * connection of their own.
 */
public final class FuzzInputs {
  /** Services the fuzzed node hosts (or routes to), with their methods; empty = any method. */
  public static final Map<String, Set<String>> SERVICES =
      Map.of(
          "echo", Set.of(),
          "kv", Set.of("get", "put", "delete", "keys", "cas"),
          "hash", Set.of("sha256", "pbkdf2"),
          "pubsub", Set.of("publish", "subscribe"),
          "conformance", Set.of("status", "delay", "stream"),
          "info", Set.of("get"));

  /** Methods that answer with a stream: their end is not awaited (closing the connection ends them). */
  public static final Set<String> STREAMING = Set.of("pubsub/subscribe", "conformance/stream");

  private static final List<String> SERVICE_NAMES = List.of("echo", "kv", "hash", "pubsub", "conformance", "info");

  private static final String[] ODD_NAMES = {
    " ", "echo ", " echo", "ECHO", "Echo", "echo\u0000", "\u0000", "../echo", "echo/echo", "e%63ho",
    "%", "%%", "echo?x=1", "\t", "\n", "\r\n", "é", "\u00e9cho", "\uD83D\uDE00", "\u202Eohce",
    "\uFEFFecho", "null", "undefined", "*", "$", "{}", "\"", "\\", "echo\\", "kv.get", "kv/get",
  };

  /** What a generated input is, for reports. */
  public enum Kind {
    GARBAGE_BODY,
    PROTOBUF_SHAPED_BODY,
    MUTATED_REQUEST,
    INVALID_UTF8,
    GARBAGE_PAYLOAD,
    ODD_PAYLOAD,
    UNKNOWN_SERVICE,
    UNKNOWN_METHOD,
    HUGE_HEADERS,
    NON_MINIMAL_PREFIX,
    EMPTY_FRAME,
    // Below: a connection of their own.
    OVERSIZE_PREFIX,
    MALFORMED_PREFIX,
    TEN_BYTE_VARINT,
    TRUNCATED_PREFIX,
    TRUNCATED_BODY,
    RANDOM_BYTES,
    ABORT_MID_FRAME;

    public boolean closes() {
      return ordinal() >= OVERSIZE_PREFIX.ordinal();
    }
  }

  /** One complete frame (prefix and body); {@code bodyOffset} is where the body starts. */
  public record Frame(Kind kind, byte[] bytes, int bodyOffset) {
    public byte[] body() {
      return Arrays.copyOfRange(bytes, bodyOffset, bytes.length);
    }
  }

  /**
   * The bytes of a connection of its own: valid echo requests (ids 1..{@code preambleCalls}), then
   * hostile bytes; {@code fin}: the client then shuts its output; {@code abort}: it resets instead.
   */
  public record Stream(Kind kind, byte[] bytes, int preambleCalls, boolean fin, boolean abort) {}

  private final Random random;
  private final FuzzBytes bytes;
  private final int maxFrameBytes;

  public FuzzInputs(Random random, int maxFrameBytes) {
    this.random = random;
    this.bytes = new FuzzBytes(random);
    this.maxFrameBytes = maxFrameBytes;
  }

  /** One frame that keeps the connection open; {@code id} is the id of a well-formed request. */
  public Frame keepOpen(long id) {
    int roll = random.nextInt(1000);
    if (roll < 120) {
      return frame(Kind.GARBAGE_BODY, bytes.randomBytes(1 + random.nextInt(random.nextInt(10) == 0 ? 4096 : 64)));
    }
    if (roll < 240) {
      return frame(Kind.PROTOBUF_SHAPED_BODY, bytes.protobufShaped(1 + random.nextInt(8), 2));
    }
    if (roll < 400) {
      return frame(Kind.MUTATED_REQUEST, bytes.mutate(wellFormed(id).toByteArray()));
    }
    if (roll < 430) {
      return frame(Kind.INVALID_UTF8, invalidUtf8Request(id));
    }
    if (roll < 600) {
      return frame(Kind.ODD_PAYLOAD, oddPayloadRequest(id).toByteArray());
    }
    if (roll < 700) {
      String service = SERVICE_NAMES.get(random.nextInt(SERVICE_NAMES.size()));
      return frame(Kind.GARBAGE_PAYLOAD, request(id, service, knownMethod(service), garbagePayload()).toByteArray());
    }
    if (roll < 820) {
      return frame(Kind.UNKNOWN_SERVICE, request(id, oddName(), bytes.randomText(8), garbagePayload()).toByteArray());
    }
    if (roll < 940) {
      String service = SERVICE_NAMES.get(1 + random.nextInt(SERVICE_NAMES.size() - 1)); // not echo
      String method = random.nextBoolean() ? oddName() : knownMethod(service) + oddName();
      return frame(Kind.UNKNOWN_METHOD, request(id, service, method, garbagePayload()).toByteArray());
    }
    if (roll < 945) {
      return frame(Kind.HUGE_HEADERS, hugeHeaders(id).toByteArray());
    }
    if (roll < 985) {
      byte[] body = request(id, SERVICE_NAMES.get(random.nextInt(3)), "", garbagePayload()).toByteArray();
      return nonMinimal(body);
    }
    return frame(Kind.EMPTY_FRAME, new byte[0]);
  }

  /** The bytes of one connection that breaks the framing (or ends inside a frame). */
  public Stream closing() {
    int preamble = random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 0;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 1; i <= preamble; i++) {
      out.writeBytes(FuzzBytes.delimited(WireConnection.echo(i, ByteString.copyFromUtf8("pre-" + i)).toByteArray()));
    }
    Kind kind = Kind.values()[Kind.OVERSIZE_PREFIX.ordinal() + random.nextInt(7)];
    boolean fin = random.nextBoolean();
    switch (kind) {
      case OVERSIZE_PREFIX -> {
        long length = maxFrameBytes + 1L + (long) (random.nextDouble() * (0xFFFFFFFFL - maxFrameBytes - 1L));
        if (random.nextInt(4) == 0) {
          length = maxFrameBytes + 1L; // the boundary
        }
        out.writeBytes(FuzzBytes.varint(length));
        out.writeBytes(bytes.randomBytes(random.nextInt(200)));
      }
      case MALFORMED_PREFIX -> {
        for (int i = 0; i < 4; i++) {
          out.write(0x80 | random.nextInt(128));
        }
        out.write(0x10 + random.nextInt(0xf0)); // a fifth byte that a varint32 cannot have
        out.writeBytes(bytes.randomBytes(random.nextInt(20)));
      }
      case TEN_BYTE_VARINT -> {
        // A negative int64 or a huge uint64, as protobuf writes them: nine continued bytes, then one.
        long value = random.nextBoolean() ? -1 - random.nextInt(1 << 20) : random.nextLong() | (1L << 63);
        out.writeBytes(FuzzBytes.varint64(value));
        out.writeBytes(bytes.randomBytes(random.nextInt(20)));
      }
      case TRUNCATED_PREFIX -> {
        fin = true;
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) {
          out.write(0x80 | random.nextInt(128));
        }
      }
      case TRUNCATED_BODY -> {
        fin = true;
        int length = 1 + random.nextInt(random.nextBoolean() ? 200 : maxFrameBytes);
        out.writeBytes(FuzzBytes.varint(length));
        out.writeBytes(bytes.randomBytes(random.nextInt(Math.min(length, 300))));
      }
      case RANDOM_BYTES -> {
        fin = true;
        out.writeBytes(bytes.randomBytes(1 + random.nextInt(random.nextBoolean() ? 16 : 4096)));
      }
      case ABORT_MID_FRAME -> {
        out.writeBytes(FuzzBytes.varint(100 + random.nextInt(1000)));
        out.writeBytes(bytes.randomBytes(random.nextInt(100)));
        return new Stream(kind, out.toByteArray(), preamble, false, true);
      }
      default -> throw new IllegalStateException(kind.toString());
    }
    return new Stream(kind, out.toByteArray(), preamble, fin, false);
  }

  // ---- Requests

  private Request wellFormed(long id) {
    String service = random.nextInt(4) == 0 ? oddName() : SERVICE_NAMES.get(random.nextInt(3));
    return request(id, service, random.nextBoolean() ? "" : knownMethod(service), garbagePayload());
  }

  private Request request(long id, String service, String method, ByteString payload) {
    Request.Builder b =
        Request.newBuilder().setId(id).setService(service).setMethod(method).setPayload(payload);
    b.setDeadlineMs(deadline(service));
    if (random.nextInt(10) == 0) {
      b.putHeaders(bytes.randomText(10), bytes.randomText(20));
    }
    return b.build();
  }

  /** Deadlines, including odd ones; a service that waits on purpose gets a short one. */
  private int deadline(String service) {
    int[] choices =
        service.equals("conformance")
            ? new int[] {1, 50, 500, 2000}
            : new int[] {0, 0, 0, 1, 50, 3000, Integer.MAX_VALUE, -1 /* 2^32 - 1 */};
    return choices[random.nextInt(choices.length)];
  }

  private String knownMethod(String service) {
    Set<String> methods = SERVICES.getOrDefault(service, Set.of());
    if (methods.isEmpty()) {
      return random.nextBoolean() ? "" : bytes.randomText(6);
    }
    List<String> list = methods.stream().sorted().toList();
    return list.get(random.nextInt(list.size()));
  }

  /**
   * A well-formed payload for a real method, with odd values: names at and past their limits, odd
   * characters, status numbers no Status has, empty and oversized data.
   */
  private Request oddPayloadRequest(long id) {
    String[] methods = {
      "pubsub/publish", "pubsub/subscribe", "kv/get", "kv/put", "kv/delete", "kv/keys", "kv/cas",
      "conformance/status", "conformance/delay", "conformance/stream"
    };
    String[] target = methods[random.nextInt(methods.length)].split("/");
    com.google.protobuf.MessageLite payload =
        switch (target[0] + "/" + target[1]) {
          case "pubsub/publish" ->
              io.meshwork.protocol.services.v1.PublishRequest.newBuilder()
                  .setTopic(oddKey(200))
                  .setData(ByteString.copyFrom(bytes.randomBytes(random.nextInt(50) == 0 ? 256 * 1024 + 1 : random.nextInt(1024))))
                  .build();
          case "pubsub/subscribe" ->
              io.meshwork.protocol.services.v1.SubscribeRequest.newBuilder().setTopic(oddKey(200)).build();
          case "kv/get" -> io.meshwork.protocol.services.v1.KvGetRequest.newBuilder().setKey(oddKey(512)).build();
          case "kv/put" ->
              io.meshwork.protocol.services.v1.KvPutRequest.newBuilder()
                  .setKey(oddKey(512))
                  .setValue(ByteString.copyFrom(bytes.randomBytes(random.nextInt(50) == 0 ? 64 * 1024 + 1 : random.nextInt(512))))
                  .build();
          case "kv/delete" -> io.meshwork.protocol.services.v1.KvDeleteRequest.newBuilder().setKey(oddKey(512)).build();
          case "kv/keys" ->
              io.meshwork.protocol.services.v1.KvKeysRequest.newBuilder()
                  .setPrefix(oddKey(512))
                  .setStartAfter(random.nextBoolean() ? "" : oddKey(512))
                  .setLimit(new int[] {0, 1, 10_000, 10_001, -1}[random.nextInt(5)])
                  .build();
          case "kv/cas" ->
              io.meshwork.protocol.services.v1.KvCasRequest.newBuilder()
                  .setKey(oddKey(512))
                  .setExpectAbsent(random.nextBoolean())
                  .setExpected(ByteString.copyFrom(bytes.randomBytes(random.nextInt(8))))
                  .setValue(ByteString.copyFrom(bytes.randomBytes(random.nextInt(64))))
                  .setDelete(random.nextInt(4) == 0)
                  .build();
          case "conformance/status" ->
              io.meshwork.protocol.services.v1.StatusRequest.newBuilder()
                  .setStatusValue(random.nextInt(4) == 0 ? 9 + random.nextInt(1000) : random.nextInt(9))
                  .setError(random.nextBoolean() ? bytes.randomText(random.nextInt(40)) : "e".repeat(1000 + random.nextInt(50)))
                  .setPayload(ByteString.copyFrom(bytes.randomBytes(random.nextInt(256))))
                  .build();
          case "conformance/delay" ->
              io.meshwork.protocol.services.v1.DelayRequest.newBuilder()
                  .setDelayMs(new int[] {0, 1, 100, 60_001, -1}[random.nextInt(5)])
                  .build();
          default ->
              io.meshwork.protocol.services.v1.StreamRequest.newBuilder()
                  .setCount(new int[] {0, 1, 10, 50, 10_001, -1}[random.nextInt(6)])
                  .setIntervalMs(new int[] {0, 0, 1, 10_001}[random.nextInt(4)])
                  .setEndStatusValue(random.nextInt(4) == 0 ? 9 + random.nextInt(1000) : random.nextInt(9))
                  .setEndError(bytes.randomText(random.nextInt(20)))
                  .setPayload(ByteString.copyFrom(bytes.randomBytes(random.nextInt(512))))
                  .build();
        };
    return request(id, target[0], target[1], payload.toByteString());
  }

  /** Names and keys: valid, empty, odd characters, at the limit and one past it. */
  private String oddKey(int limit) {
    return switch (random.nextInt(6)) {
      case 0 -> "";
      case 1 -> "k".repeat(limit);
      case 2 -> "k".repeat(limit + 1);
      case 3 -> ODD_NAMES[random.nextInt(ODD_NAMES.length)];
      case 4 -> bytes.randomText(1 + random.nextInt(20));
      default -> "key-" + random.nextInt(50);
    };
  }

  private Request hugeHeaders(long id) {
    Request.Builder b =
        Request.newBuilder().setId(id).setService("echo").setPayload(ByteString.copyFromUtf8("h" + id));
    int budget = maxFrameBytes - 1024;
    if (random.nextBoolean()) {
      int entries = 1 + random.nextInt(budget / 40);
      for (int i = 0; i < entries; i++) {
        b.putHeaders("h" + i + "-" + random.nextInt(1000), bytes.randomText(1 + random.nextInt(16)));
      }
    } else {
      int entries = 1 + random.nextInt(4);
      for (int i = 0; i < entries; i++) {
        b.putHeaders("big-" + i, "v".repeat(random.nextInt(budget / entries - 64)));
      }
    }
    return b.build();
  }

  private byte[] invalidUtf8Request(long id) {
    // service (field 2) or method (field 3) with bytes that are not UTF-8: protobuf must refuse the
    // frame, as proto3 strings are checked.
    byte[] bad = bytes.randomBytes(1 + random.nextInt(8));
    bad[random.nextInt(bad.length)] = (byte) (0x80 | random.nextInt(0x40)); // a lone continuation byte
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(body);
    try {
      out.writeUInt64(1, id);
      if (random.nextBoolean()) {
        out.writeByteArray(2, bad);
      } else {
        out.writeString(2, "echo");
        out.writeByteArray(3, bad);
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return body.toByteArray();
  }

  private ByteString garbagePayload() {
    return switch (random.nextInt(4)) {
      case 0 -> ByteString.EMPTY;
      case 1 -> ByteString.copyFrom(bytes.randomBytes(1 + random.nextInt(256)));
      default -> ByteString.copyFrom(bytes.protobufShaped(1 + random.nextInt(6), 2));
    };
  }

  private String oddName() {
    return switch (random.nextInt(5)) {
      case 0 -> ODD_NAMES[random.nextInt(ODD_NAMES.length)];
      case 1 -> "x".repeat(1 + random.nextInt(random.nextBoolean() ? 300 : 100_000));
      case 2 -> bytes.randomText(1 + random.nextInt(40));
      case 3 -> SERVICE_NAMES.get(random.nextInt(SERVICE_NAMES.size())) + ODD_NAMES[random.nextInt(ODD_NAMES.length)];
      default -> "no-such-" + random.nextInt(1000);
    };
  }

  private Frame frame(Kind kind, byte[] body) {
    byte[] prefix = FuzzBytes.varint(body.length);
    return new Frame(kind, FuzzBytes.concat(prefix, body), prefix.length);
  }

  /** The length written in 5 bytes, the longest form the node accepts. */
  private Frame nonMinimal(byte[] body) {
    byte[] prefix = new byte[5];
    long v = body.length;
    for (int i = 0; i < 4; i++) {
      prefix[i] = (byte) (0x80 | (v & 0x7f));
      v >>>= 7;
    }
    prefix[4] = (byte) v;
    return new Frame(Kind.NON_MINIMAL_PREFIX, FuzzBytes.concat(prefix, body), 5);
  }

}
