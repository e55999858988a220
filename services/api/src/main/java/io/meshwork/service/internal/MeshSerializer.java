package io.meshwork.service.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.protocol.internal.v1.CallEnvelope;
import io.meshwork.protocol.internal.v1.CallResultProto;
import java.io.NotSerializableException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Protobuf serialization of {@link MeshMessage}s for Artery, using the internal envelope messages of
 * {@code meshwork/internal/v1/envelope.proto}. Deadlines travel as time remaining, because the
 * nodes' clocks differ; actor refs travel in {@link ActorRefResolver} format.
 */
public final class MeshSerializer extends SerializerWithStringManifest {
  /** Unique among the serializers of a system; Pekko reserves 0-40. */
  public static final int IDENTIFIER = 7700;

  private static final String CALL = "C";
  private static final String RESULT = "R";

  /**
   * A call's reply path is one actor per client connection, so the same few refs cross the wire
   * again and again: both directions of the ref-to-string translation are cached. Bounded by
   * clearing when full; a stale entry only names a connection that has gone (dead letters).
   */
  private static final int MAX_CACHED_REFS = 16_384;

  private final ExtendedActorSystem system;
  private final ConcurrentHashMap<ActorRef<?>, String> refToString = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ActorRef<CallResult>> stringToRef =
      new ConcurrentHashMap<>();
  private volatile ActorRefResolver resolver;

  public MeshSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof ServiceCall) {
      return CALL;
    }
    if (o instanceof CallResult) {
      return RESULT;
    }
    throw new IllegalArgumentException(
        "cannot serialize " + o.getClass().getName() + " (expected: ServiceCall or CallResult)");
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof ServiceCall call) {
      long remainingNanos = Math.max(0, call.deadlineNanos() - System.nanoTime());
      return CallEnvelope.newBuilder()
          .setCallId(call.callId())
          .setMethod(call.method())
          .setPayload(call.payload())
          .setRemainingMicros(TimeUnit.NANOSECONDS.toMicros(remainingNanos))
          .putAllHeaders(call.headers())
          .setReplyTo(serialized(call.replyTo()))
          .build()
          .toByteArray();
    }
    if (o instanceof CallResult result) {
      return CallResultProto.newBuilder()
          .setCallId(result.callId())
          .setStatus(result.status())
          .setPayload(result.payload())
          .setError(result.error())
          .setMore(result.more())
          .build()
          .toByteArray();
    }
    throw new IllegalArgumentException(
        "cannot serialize " + o.getClass().getName() + " (expected: ServiceCall or CallResult)");
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      switch (manifest) {
        case CALL -> {
          CallEnvelope envelope = CallEnvelope.parseFrom(bytes);
          long deadline =
              System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(envelope.getRemainingMicros());
          ActorRef<CallResult> replyTo = resolved(envelope.getReplyTo());
          return new ServiceCall(
              envelope.getCallId(),
              envelope.getMethod(),
              envelope.getPayload(),
              deadline,
              envelope.getHeadersMap(),
              replyTo);
        }
        case RESULT -> {
          CallResultProto result = CallResultProto.parseFrom(bytes);
          return new CallResult(
              result.getCallId(),
              result.getStatus(),
              result.getPayload(),
              result.getError(),
              result.getMore());
        }
        default -> throw new NotSerializableException(
            "unknown manifest \"" + manifest + "\" (expected: " + CALL + " or " + RESULT + ")");
      }
    } catch (InvalidProtocolBufferException e) {
      NotSerializableException failure =
          new NotSerializableException("corrupt " + manifest + " message: " + e.getMessage());
      failure.initCause(e);
      throw failure;
    }
  }

  private String serialized(ActorRef<CallResult> ref) {
    String s = refToString.get(ref);
    if (s == null) {
      if (refToString.size() >= MAX_CACHED_REFS) {
        refToString.clear();
      }
      s = resolver().toSerializationFormat(ref);
      refToString.put(ref, s);
    }
    return s;
  }

  private ActorRef<CallResult> resolved(String serialized) {
    ActorRef<CallResult> ref = stringToRef.get(serialized);
    if (ref == null) {
      if (stringToRef.size() >= MAX_CACHED_REFS) {
        stringToRef.clear();
      }
      ref = resolver().resolveActorRef(serialized);
      stringToRef.put(serialized, ref);
    }
    return ref;
  }

  private ActorRefResolver resolver() {
    ActorRefResolver r = resolver;
    if (r == null) {
      r = ActorRefResolver.get(Adapter.toTyped(system));
      resolver = r;
    }
    return r;
  }
}
