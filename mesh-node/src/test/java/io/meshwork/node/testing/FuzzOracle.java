package io.meshwork.node.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the node must answer to fuzzed input, worked out from the protocol alone: protobuf's own
 * parser decides whether a body is a {@code Request}, and a plain reading of the framing rules
 * decides where a byte stream breaks. Not thread-safe: one per connection.
 */
public final class FuzzOracle {
  /** Any status of the protocol's closed enum: a number outside it (UNRECOGNIZED) is never fine. */
  private static final Set<Status> ANY = EnumSet.complementOf(EnumSet.of(Status.UNRECOGNIZED));

  /** An answer the connection still owes: for {@code id}, one of {@code allowed}. */
  private record Owed(long id, Set<Status> allowed, ByteString echoPayload, boolean stream, String input) {}

  private final Map<Long, List<Owed>> owed = new HashMap<>();
  private int awaited;

  /**
   * Registers the answer that the frame with this body must get. {@code input} describes it for
   * failure messages.
   */
  public void expect(byte[] body, String input) {
    Request request;
    try {
      request = Request.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      add(new Owed(0, EnumSet.of(Status.BAD_REQUEST), null, false, input));
      return;
    }
    String service = request.getService();
    String method = request.getMethod();
    int deadline = request.getDeadlineMs();
    // A short deadline may pass before even a quick answer on a loaded machine.
    boolean mayExpire = deadline != 0 && Integer.toUnsignedLong(deadline) < 3_000;
    Set<Status> allowed;
    ByteString echo = null;
    boolean stream = false;
    if (service.isEmpty() || headersOverLimits(request.getHeadersMap())) {
      allowed = EnumSet.of(Status.BAD_REQUEST);
    } else if (!FuzzInputs.SERVICES.containsKey(service)) {
      allowed = EnumSet.of(Status.NOT_FOUND);
    } else if (service.equals("echo")) {
      allowed = EnumSet.of(Status.OK);
      echo = request.getPayload();
    } else if (!FuzzInputs.SERVICES.get(service).contains(method)
        // An empty method selects a service's only method (info's "get"): seen in CI, seed
        // -2275771073891798150.
        && !(method.isEmpty() && FuzzInputs.SERVICES.get(service).size() == 1)) {
      allowed = EnumSet.of(Status.BAD_REQUEST);
    } else {
      allowed = ANY; // any well-formed answer, but exactly one
      stream = FuzzInputs.STREAMING.contains(service + "/" + method);
    }
    if (mayExpire && allowed != ANY) {
      allowed = EnumSet.copyOf(allowed);
      allowed.add(Status.DEADLINE_EXCEEDED);
    }
    add(new Owed(request.getId(), allowed, echo, stream, input));
  }

  /** The node's default meshwork.endpoint.max-headers and max-header-bytes (protocol/README.md). */
  static final int MAX_HEADERS = 64;

  static final int MAX_HEADER_BYTES = 16 * 1024;

  private static boolean headersOverLimits(java.util.Map<String, String> headers) {
    long bytes = 0;
    for (java.util.Map.Entry<String, String> e : headers.entrySet()) {
      bytes += e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      bytes += e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
    return headers.size() > MAX_HEADERS || bytes > MAX_HEADER_BYTES;
  }

  private void add(Owed o) {
    owed.computeIfAbsent(o.id(), k -> new ArrayList<>(1)).add(o);
    if (!o.stream()) {
      awaited++;
    }
  }

  /** Answers still awaited (streams excepted: their end is not waited for). */
  public int awaited() {
    return awaited;
  }

  /** Checks one reply frame against what is owed; null when it fits, else why not. */
  public String accept(Reply reply) {
    List<Owed> candidates = owed.get(reply.getId());
    if (candidates == null || candidates.isEmpty()) {
      return "a reply for id " + reply.getId() + " that nothing asked for: " + brief(reply);
    }
    if (reply.getMore()) {
      for (Owed o : candidates) {
        if (o.stream()) {
          return null; // a stream item
        }
      }
      return "a stream item (more = true) for a unary call: " + brief(reply);
    }
    // Several requests may share an id (garbage that parses as a request): the reply goes to the
    // one it fits most narrowly, so that a catch-all expectation does not take another's answer.
    Owed best = null;
    String mismatch = null;
    for (Owed o : candidates) {
      if (!o.allowed().contains(reply.getStatus())) {
        mismatch = "status " + reply.getStatus() + " (expected: " + o.allowed() + ") for " + o.input() + ": " + brief(reply);
      } else if (o.echoPayload() != null
          && reply.getStatus() == Status.OK
          && !o.echoPayload().equals(reply.getPayload())) {
        mismatch = "echo returned other bytes for " + o.input();
      } else if (best == null
          || o.allowed().size() < best.allowed().size()
          || (o.allowed().size() == best.allowed().size() && best.stream() && !o.stream())) {
        best = o; // the narrowest; a unary call before a stream, whose items may still come
      }
    }
    if (best == null) {
      return mismatch;
    }
    candidates.remove(best);
    if (!best.stream()) {
      awaited--;
    }
    return null;
  }

  /** What is still owed, for a failure message. */
  public String describeOwed(int max) {
    StringBuilder s = new StringBuilder();
    int n = 0;
    for (List<Owed> list : owed.values()) {
      for (Owed o : list) {
        if (!o.stream() && n++ < max) {
          s.append("\n    id ").append(o.id()).append(' ').append(o.allowed()).append(": ").append(o.input());
        }
      }
    }
    return s.toString();
  }

  public static String brief(Reply reply) {
    String error = reply.getError();
    return "Reply{id=" + reply.getId() + ", status=" + reply.getStatus() + ", more=" + reply.getMore()
        + ", error=\"" + (error.length() > 120 ? error.substring(0, 120) + "..." : error) + "\"}";
  }

  // ---- Framing

  /** Where a byte stream breaks, read by the protocol's framing rules. */
  public enum Break {
    NONE(null),
    OVERSIZE("maximum"),
    MALFORMED("varint"),
    TRUNCATED("closed inside a frame");

    /** A word the node's id-0 error message must contain. */
    public final String errorMentions;

    Break(String errorMentions) {
      this.errorMentions = errorMentions;
    }
  }

  /** The complete frames' bodies before the break, and the break. */
  public record Framing(List<byte[]> bodies, Break breaks) {}

  /** Frames {@code bytes} as the protocol says a node must; {@code fin}: the client ends after them. */
  public static Framing frame(byte[] bytes, int maxFrameBytes, boolean fin) {
    List<byte[]> bodies = new ArrayList<>();
    int pos = 0;
    while (pos < bytes.length) {
      long length = 0;
      int i = 0;
      boolean complete = false;
      while (pos + i < bytes.length) {
        int b = bytes[pos + i] & 0xff;
        if (i == 4 && b > 0x0f) {
          return new Framing(bodies, Break.MALFORMED);
        }
        length |= (long) (b & 0x7f) << (7 * i);
        i++;
        if (b < 0x80) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        return new Framing(bodies, fin ? Break.TRUNCATED : Break.NONE);
      }
      if (length > maxFrameBytes) {
        return new Framing(bodies, Break.OVERSIZE);
      }
      pos += i;
      if (bytes.length - pos < length) {
        return new Framing(bodies, fin ? Break.TRUNCATED : Break.NONE);
      }
      bodies.add(java.util.Arrays.copyOfRange(bytes, pos, pos + (int) length));
      pos += (int) length;
    }
    return new Framing(bodies, Break.NONE);
  }
}
