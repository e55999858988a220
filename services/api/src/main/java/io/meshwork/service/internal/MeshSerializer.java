package io.meshwork.service.internal;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import io.meshwork.protocol.internal.v1.CallEnvelope;
import io.meshwork.protocol.internal.v1.CallEnvelopeBatch;
import io.meshwork.protocol.internal.v1.CallResultBatchProto;
import io.meshwork.protocol.internal.v1.CallResultProto;
import io.meshwork.protocol.internal.v1.CancelCallProto;
import io.meshwork.protocol.internal.v1.CancelConnectionProto;
import java.io.IOException;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
  private static final String CANCEL = "X";
  private static final String CANCEL_CONNECTION = "Y";

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
    if (o instanceof CancelCall) {
      return CANCEL;
    }
    if (o instanceof CancelConnection) {
      return CANCEL_CONNECTION;
    }
    throw unknown(o);
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof ServiceCall call) {
      return toProto(call, System.nanoTime(), null).toByteArray();
    }
    if (o instanceof ServiceCallBatch batch) {
      CallEnvelopeBatch.Builder b = CallEnvelopeBatch.newBuilder();
      long now = System.nanoTime();
      ActorRef<ReplyMessage> shared = batch.calls().get(0).replyTo();
      b.setReplyTo(serialized(shared));
      for (ServiceCall call : batch.calls()) {
        b.addCalls(toProto(call, now, shared));
      }
      return b.build().toByteArray();
    }
    if (o instanceof CallResult result) {
      return toProto(result).toByteArray();
    }
    if (o instanceof CancelCall cancel) {
      return CancelCallProto.newBuilder()
          .setCallId(cancel.callId())
          .setReplyTo(serialized(cancel.replyTo()))
          .setReason(cancel.reason())
          .build()
          .toByteArray();
    }
    if (o instanceof CancelConnection cancel) {
      return CancelConnectionProto.newBuilder()
          .setReplyTo(serialized(cancel.replyTo()))
          .setConnection(cancel.connection())
          .setReason(cancel.reason())
          .build()
          .toByteArray();
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
          return fromProto(CallEnvelope.parseFrom(aliasing(bytes)), System.nanoTime(), null);
        }
        case CALL_BATCH -> {
          CallEnvelopeBatch batch = CallEnvelopeBatch.parseFrom(aliasing(bytes));
          List<CallEnvelope> envelopes = batch.getCallsList();
          List<ServiceCall> calls = new ArrayList<>(envelopes.size());
          long now = System.nanoTime();
          ActorRef<ReplyMessage> shared =
              batch.getReplyTo().isEmpty() ? null : resolved(batch.getReplyTo());
          for (CallEnvelope envelope : envelopes) {
            calls.add(fromProto(envelope, now, shared));
          }
          return new ServiceCallBatch(calls);
        }
        case RESULT -> {
          return fromProto(CallResultProto.parseFrom(aliasing(bytes)));
        }
        case RESULT_BATCH -> {
          List<CallResultProto> protos =
              CallResultBatchProto.parseFrom(aliasing(bytes)).getResultsList();
          List<CallResult> results = new ArrayList<>(protos.size());
          for (CallResultProto proto : protos) {
            results.add(fromProto(proto));
          }
          return new CallResultBatch(results);
        }
        case CANCEL -> {
          CancelCallProto cancel = CancelCallProto.parseFrom(bytes);
          return new CancelCall(cancel.getCallId(), resolved(cancel.getReplyTo()), cancel.getReason());
        }
        case CANCEL_CONNECTION -> {
          CancelConnectionProto cancel = CancelConnectionProto.parseFrom(bytes);
          return new CancelConnection(
              resolved(cancel.getReplyTo()), cancel.getConnection(), cancel.getReason());
        }
        default -> throw new NotSerializableException(
            "unknown manifest \""
                + manifest
                + "\" (expected: one of "
                + String.join(", ", CALL, CALL_BATCH, RESULT, RESULT_BATCH, CANCEL, CANCEL_CONNECTION)
                + ")");
      }
    } catch (NotSerializableException e) {
      throw e;
    } catch (IOException e) {
      NotSerializableException failure =
          new NotSerializableException("corrupt " + manifest + " message: " + e.getMessage());
      failure.initCause(e);
      throw failure;
    }
  }

  /**
   * Artery hands {@link #fromBinary} a fresh array of its own, so bytes fields (payloads) may alias
   * it instead of being copied; protobuf aliases only an input it knows to be immutable.
   */
  private static CodedInputStream aliasing(byte[] bytes) {
    CodedInputStream input = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
    input.enableAliasing(true);
    return input;
  }

  /** {@code sharedReplyTo}: the batch's reply path, left out of the envelope when it is that. */
  private CallEnvelope toProto(ServiceCall call, long now, ActorRef<ReplyMessage> sharedReplyTo) {
    long remainingNanos = Math.max(0, call.deadlineNanos() - now);
    CallEnvelope.Builder b =
        CallEnvelope.newBuilder()
            .setCallId(call.callId())
            .setMethod(call.method())
            .setPayload(call.payload())
            .setRemainingMicros(TimeUnit.NANOSECONDS.toMicros(remainingNanos));
    if (!call.headers().isEmpty()) {
      b.putAllHeaders(call.headers());
    }
    if (!call.replyTo().equals(sharedReplyTo)) {
      b.setReplyTo(serialized(call.replyTo()));
    }
    return b.build();
  }

  private ServiceCall fromProto(CallEnvelope envelope, long now, ActorRef<ReplyMessage> sharedReplyTo)
      throws NotSerializableException {
    long deadline = now + TimeUnit.MICROSECONDS.toNanos(envelope.getRemainingMicros());
    ActorRef<ReplyMessage> replyTo;
    if (!envelope.getReplyTo().isEmpty()) {
      replyTo = resolved(envelope.getReplyTo());
    } else if (sharedReplyTo != null) {
      replyTo = sharedReplyTo;
    } else {
      throw new NotSerializableException("call " + envelope.getCallId() + " has no reply_to");
    }
    return new ServiceCall(
        envelope.getCallId(),
        envelope.getMethod(),
        envelope.getPayload(),
        deadline,
        envelope.getHeadersCount() == 0 ? Map.of() : envelope.getHeadersMap(),
        replyTo);
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
            + " (expected: ServiceCall, ServiceCallBatch, CallResult, CallResultBatch, CancelCall or"
            + " CancelConnection)");
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
