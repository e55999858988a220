package io.meshwork.services.kv;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.services.v1.Consistency;

/** Checks of the fields of kv requests: each failure is an {@link Invalid}, answered BAD_REQUEST. */
final class KvRequests {
  private final KvSettings settings;

  KvRequests(KvSettings settings) {
    this.settings = settings;
  }

  String key(String key) {
    if (key.isEmpty()) {
      throw new Invalid("key: empty (expected: 1 to " + settings.maxKeyBytes() + " bytes)");
    }
    int bytes = Utf8.length(key);
    if (bytes > settings.maxKeyBytes()) {
      throw new Invalid(
          "key: " + bytes + " bytes (limit: " + settings.maxKeyBytes() + " bytes, meshwork.kv.max-key-bytes)");
    }
    return key;
  }

  String prefix(String prefix) {
    int bytes = Utf8.length(prefix);
    if (bytes > settings.maxKeyBytes()) {
      throw new Invalid(
          "prefix: " + bytes + " bytes (limit: " + settings.maxKeyBytes() + " bytes, meshwork.kv.max-key-bytes)");
    }
    return prefix;
  }

  ByteString value(ByteString value) {
    if (value.size() > settings.maxValueBytes()) {
      throw new Invalid(
          "value: " + value.size() + " bytes (limit: " + settings.maxValueBytes()
              + " bytes, meshwork.kv.max-value-bytes)");
    }
    return value;
  }

  /** A keys request's limit: 0 means keys.default-limit. */
  int limit(int requested) {
    KvSettings.KeysSettings keys = settings.keys();
    if (requested == 0) {
      return keys.defaultLimit();
    }
    if (requested < 0 || requested > keys.maxLimit()) {
      throw new Invalid(
          "limit: " + Integer.toUnsignedString(requested) + " (expected: 0 for " + keys.defaultLimit()
              + ", or 1 to " + keys.maxLimit() + ", meshwork.kv.keys.max-limit)");
    }
    return requested;
  }

  static Consistency consistency(int requested, Consistency dflt) {
    return switch (requested) {
      case Consistency.CONSISTENCY_DEFAULT_VALUE -> dflt;
      case Consistency.LOCAL_VALUE -> Consistency.LOCAL;
      case Consistency.MAJORITY_VALUE -> Consistency.MAJORITY;
      case Consistency.ALL_VALUE -> Consistency.ALL;
      default -> throw new Invalid(
          "consistency: " + requested + " is not a Consistency (expected: LOCAL, MAJORITY or ALL, or unset)");
    };
  }

  /** A request that fails validation. */
  static final class Invalid extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message, null, false, false);
    }
  }
}
