package io.meshwork.service.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.protocol.internal.v1.CallEnvelope;
import io.meshwork.protocol.internal.v1.CallEnvelopeBatch;
import io.meshwork.protocol.internal.v1.CallResultBatchProto;
import io.meshwork.protocol.internal.v1.CallResultProto;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.List;
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
  private static final String CALL_BATCH = "D";
  private static final String RESULT = "R";
  private static final String RESULT_BATCH = "B";

  /**
   * A call's reply path is one actor per client connection, so the same few refs cross the wire
   * again and again: both directions of the ref-to-string translation are cached. Bounded by
   * clearing when full; a stale entry only names a connection that has gone (dead letters).
   */
  private static final int MAX_CACHED_REFS = 16_384;

  private final ExtendedActorSystem system;
  private final ConcurrentHashMap<ActorRef<?>, String> refToString = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ActorRef<ReplyMessage>> stringToRef =
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
    if (o instanceof ServiceCallBatch) {
      return CALL_BATCH;
    }
    if (o instanceof CallResult) {
      return RESULT;
    }
    if (o instanceof CallResultBatch) {
      return RESULT_BATCH;
    }
    throw unknown(o);
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof ServiceCall call) {
      return toProto(call).toByteArray();
    }
    if (o instanceof ServiceCallBatch batch) {
      CallEnvelopeBatch.Builder b = CallEnvelopeBatch.newBuilder();
      for (ServiceCall call : batch.calls()) {
        b.addCalls(toProto(call));
      }
      return b.build().toByteArray();
    }
    if (o instanceof CallResult result) {
      return toProto(result).toByteArray();
    }
    if (o instanceof CallResultBatch batch) {
      CallResultBatchProto.Builder b = CallResultBatchProto.newBuilder();
      for (CallResult result : batch.results()) {
        b.addResults(toProto(result));
      }
      return b.build().toByteArray();
    }
    throw unknown(o);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      switch (manifest) {
        case CALL -> {
          return fromProto(CallEnvelope.parseFrom(bytes));
        }
        case CALL_BATCH -> {
          List<CallEnvelope> envelopes = CallEnvelopeBatch.parseFrom(bytes).getCallsList();
          List<ServiceCall> calls = new ArrayList<>(envelopes.size());
          for (CallEnvelope envelope : envelopes) {
            calls.add(fromProto(envelope));
          }
          return new ServiceCallBatch(calls);
        }
        case RESULT -> {
          return fromProto(CallResultProto.parseFrom(bytes));
        }
        case RESULT_BATCH -> {
          List<CallResultProto> protos = CallResultBatchProto.parseFrom(bytes).getResultsList();
          List<CallResult> results = new ArrayList<>(protos.size());
          for (CallResultProto proto : protos) {
            results.add(fromProto(proto));
          }
          return new CallResultBatch(results);
        }
        default -> throw new NotSerializableException(
            "unknown manifest \""
                + manifest
                + "\" (expected: one of "
                + String.join(", ", CALL, CALL_BATCH, RESULT, RESULT_BATCH)
                + ")");
      }
    } catch (InvalidProtocolBufferException e) {
      NotSerializableException failure =
          new NotSerializableException("corrupt " + manifest + " message: " + e.getMessage());
      failure.initCause(e);
      throw failure;
    }
  }

  private CallEnvelope toProto(ServiceCall call) {
    long remainingNanos = Math.max(0, call.deadlineNanos() - System.nanoTime());
    return CallEnvelope.newBuilder()
        .setCallId(call.callId())
        .setMethod(call.method())
        .setPayload(call.payload())
        .setRemainingMicros(TimeUnit.NANOSECONDS.toMicros(remainingNanos))
        .putAllHeaders(call.headers())
        .setReplyTo(serialized(call.replyTo()))
        .build();
  }

  private ServiceCall fromProto(CallEnvelope envelope) {
    long deadline = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(envelope.getRemainingMicros());
    return new ServiceCall(
        envelope.getCallId(),
        envelope.getMethod(),
        envelope.getPayload(),
        deadline,
        envelope.getHeadersMap(),
        resolved(envelope.getReplyTo()));
  }

  private static CallResultProto toProto(CallResult result) {
    return CallResultProto.newBuilder()
        .setCallId(result.callId())
        .setStatus(result.status())
        .setPayload(result.payload())
        .setError(result.error())
        .setMore(result.more())
        .build();
  }

  private static CallResult fromProto(CallResultProto proto) {
    return new CallResult(
        proto.getCallId(), proto.getStatus(), proto.getPayload(), proto.getError(), proto.getMore());
  }

  private static IllegalArgumentException unknown(Object o) {
    return new IllegalArgumentException(
        "cannot serialize "
            + o.getClass().getName()
            + " (expected: ServiceCall, ServiceCallBatch, CallResult or CallResultBatch)");
  }

  private String serialized(ActorRef<ReplyMessage> ref) {
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

  private ActorRef<ReplyMessage> resolved(String serialized) {
    ActorRef<ReplyMessage> ref = stringToRef.get(serialized);
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
