package io.meshwork.protocol.conformance;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.conformance.v1.ExpectedReply;
import io.meshwork.protocol.v1.Reply;

/** Compares a reply with an expectation and describes both for failure messages. */
final class ReplyMatcher {
  private ReplyMatcher() {}

  /** What differs between {@code expected} and {@code actual}, or null when it matches. */
  static String mismatch(ExpectedReply expected, Reply actual) {
    StringBuilder why = new StringBuilder();
    if (expected.getId() != actual.getId()) {
      why.append("; id ").append(Long.toUnsignedString(actual.getId()))
          .append(" (expected ").append(Long.toUnsignedString(expected.getId())).append(')');
    }
    if (expected.getStatusValue() != actual.getStatusValue()) {
      why.append("; status ").append(status(actual.getStatusValue()))
          .append(" (expected ").append(status(expected.getStatusValue())).append(')');
    }
    if (expected.getMore() != actual.getMore()) {
      why.append("; more ").append(actual.getMore())
          .append(" (expected ").append(expected.getMore()).append(')');
    }
    if (expected.hasPayload()) {
      ByteString want = Payloads.bytes(expected.getPayload());
      if (!want.equals(actual.getPayload())) {
        why.append("; payload ").append(Payloads.describe(actual.getPayload()))
            .append(" (expected ").append(Payloads.describe(want)).append(')');
      }
    }
    if (!expected.getErrorContains().isEmpty()
        && !actual.getError().contains(expected.getErrorContains())) {
      why.append("; error \"").append(Payloads.abbreviate(actual.getError()))
          .append("\" (expected it to contain \"").append(expected.getErrorContains()).append("\")");
    }
    return why.length() == 0 ? null : describe(actual) + ": " + why.substring(2);
  }

  static String describe(Reply reply) {
    return "{id "
        + Long.toUnsignedString(reply.getId())
        + ", "
        + status(reply.getStatusValue())
        + (reply.getMore() ? ", more" : "")
        + (reply.getPayload().isEmpty() ? "" : ", payload " + Payloads.describe(reply.getPayload()))
        + (reply.getError().isEmpty() ? "" : ", error \"" + Payloads.abbreviate(reply.getError()) + "\"")
        + "}";
  }

  static String describe(ExpectedReply expected) {
    return "{id "
        + Long.toUnsignedString(expected.getId())
        + ", "
        + status(expected.getStatusValue())
        + (expected.getMore() ? ", more" : "")
        + (expected.hasPayload() ? ", payload " + Payloads.describe(Payloads.bytes(expected.getPayload())) : "")
        + (expected.getErrorContains().isEmpty() ? "" : ", error ~ \"" + expected.getErrorContains() + "\"")
        + "}";
  }

  private static String status(int value) {
    io.meshwork.protocol.v1.Status status = io.meshwork.protocol.v1.Status.forNumber(value);
    return status == null ? "status " + value : status.name();
  }
}
