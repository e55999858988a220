package io.meshwork.service.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.v1.Status;
import java.io.NotSerializableException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Every message that crosses nodes survives a round trip through the configured serializer. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeshSerializerTest {
  private final ActorTestKit testKit = ActorTestKit.create();
  private final Serialization serialization = SerializationExtension.get(testKit.system());

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void meshMessagesAreBoundToTheProtobufSerializer() {
    Serializer serializer =
        serialization.findSerializerFor(CallResult.failure(1, Status.INTERNAL, "x"));
    assertThat(serializer).isInstanceOf(MeshSerializer.class);
    assertThat(serializer.identifier()).isEqualTo(MeshSerializer.IDENTIFIER);
  }

  @Test
  void serviceCallRoundTripsWithItsReplyPathAndRemainingDeadline() {
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    ServiceCall call =
        new ServiceCall(
            42,
            "get",
            ByteString.copyFromUtf8("payload"),
            deadline,
            Map.of("authorization", "token", "traceparent", "00-abc"),
            probe.getRef());

    ServiceCall back = (ServiceCall) roundTrip(call);

    assertThat(back.callId()).isEqualTo(42);
    assertThat(back.method()).isEqualTo("get");
    assertThat(back.payload()).isEqualTo(call.payload());
    assertThat(back.headers()).isEqualTo(call.headers());
    assertThat(back.replyTo()).isEqualTo(probe.getRef());
    // Deadlines travel as time remaining (clocks differ between nodes), so the receiver's deadline
    // is the sender's shifted by the time in transit; the caller's own timer stays authoritative.
    assertThat(Math.abs(back.deadlineNanos() - deadline)).isLessThan(TimeUnit.SECONDS.toNanos(1));
    assertThat(back.deadlineNanos() - System.nanoTime()).isPositive();
  }

  @Test
  void anExpiredDeadlineStaysExpired() {
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    ServiceCall call =
        new ServiceCall(1, "", ByteString.EMPTY, System.nanoTime() - 1_000_000, Map.of(), probe.getRef());
    ServiceCall back = (ServiceCall) roundTrip(call);
    assertThat(System.nanoTime() - back.deadlineNanos()).isGreaterThanOrEqualTo(0);
  }

  @Test
  void batchesRoundTripInOrder() {
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    ServiceCallBatch calls =
        new ServiceCallBatch(
            java.util.List.of(
                new ServiceCall(1, "a", ByteString.copyFromUtf8("1"), deadline, Map.of(), probe.getRef()),
                new ServiceCall(2, "b", ByteString.copyFromUtf8("2"), deadline, Map.of(), probe.getRef())));
    ServiceCallBatch callsBack = (ServiceCallBatch) roundTrip(calls);
    assertThat(callsBack.calls()).extracting(ServiceCall::callId).containsExactly(1L, 2L);
    assertThat(callsBack.calls()).extracting(ServiceCall::replyTo).containsOnly(probe.getRef());

    CallResultBatch results =
        new CallResultBatch(
            java.util.List.of(
                new CallResult(1, Status.OK, ByteString.copyFromUtf8("x"), "", false),
                CallResult.failure(2, Status.INTERNAL, "boom")));
    assertThat(roundTrip(results)).isEqualTo(results);
  }

  @Test
  void aBatchCarriesItsSharedReplyPathOnceAndAnyOtherPathPerCall() {
    TestProbe<ReplyMessage> shared = testKit.createTestProbe();
    TestProbe<ReplyMessage> other = testKit.createTestProbe();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    java.util.List<ServiceCall> list = new java.util.ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      list.add(
          new ServiceCall(
              i,
              "m",
              ByteString.copyFromUtf8("p" + i),
              deadline,
              i == 50 ? Map.of("k", "v") : Map.of(),
              i == 77 ? other.getRef() : shared.getRef()));
    }
    ServiceCallBatch batch = new ServiceCallBatch(list);
    MeshSerializer serializer = (MeshSerializer) serialization.findSerializerFor(batch);
    String bytes = new String(serializer.toBinary(batch), java.nio.charset.StandardCharsets.ISO_8859_1);
    String sharedPath = shared.getRef().path().name();
    assertThat(bytes.split(java.util.regex.Pattern.quote(sharedPath), -1)).hasSize(2); // once
    ServiceCallBatch back = (ServiceCallBatch) roundTrip(batch);
    for (int i = 0; i < 100; i++) {
      ServiceCall call = back.calls().get(i);
      assertThat(call.callId()).isEqualTo(i + 1);
      assertThat(call.payload().toStringUtf8()).isEqualTo("p" + (i + 1));
      assertThat(call.replyTo()).isEqualTo(i == 76 ? other.getRef() : shared.getRef());
      assertThat(call.headers()).isEqualTo(i == 49 ? Map.of("k", "v") : Map.of());
    }
  }

  @Test
  void callResultRoundTrips() {
    CallResult result =
        new CallResult(7, Status.UNAVAILABLE, ByteString.copyFromUtf8("p"), "why", true);
    assertThat(roundTrip(result)).isEqualTo(result);
  }

  @Test
  void cancelCallRoundTrips() {
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    CancelCall cancel = new CancelCall((5L << 24) | 9, probe.getRef(), "the deadline passed");
    assertThat(roundTrip(cancel)).isEqualTo(cancel);
  }

  @Test
  void cancelConnectionRoundTripsAndCoversExactlyItsConnectionsCalls() {
    TestProbe<ReplyMessage> probe = testKit.createTestProbe();
    TestProbe<ReplyMessage> other = testKit.createTestProbe();
    CancelConnection cancel = new CancelConnection(probe.getRef(), 5, "the connection closed");
    CancelConnection back = (CancelConnection) roundTrip(cancel);
    assertThat(back).isEqualTo(cancel);
    assertThat(back.covers((5L << 24) | 1, probe.getRef())).isTrue();
    assertThat(back.covers((5L << 24) | 0xffffff, probe.getRef())).isTrue();
    assertThat(back.covers((6L << 24) | 1, probe.getRef())).isFalse();
    assertThat(back.covers((5L << 24) | 1, other.getRef())).isFalse();
  }

  @Test
  void unknownManifestIsRejectedWithAReadableError() throws Exception {
    MeshSerializer serializer =
        (MeshSerializer) serialization.serializerFor(CallResult.class);
    assertThatThrownBy(() -> serializer.fromBinary(new byte[0], "Z"))
        .isInstanceOf(NotSerializableException.class)
        .hasMessageContaining("\"Z\"");
  }

  private Object roundTrip(Object message) {
    MeshSerializer serializer = (MeshSerializer) serialization.findSerializerFor(message);
    byte[] bytes = serializer.toBinary(message);
    try {
      return serializer.fromBinary(bytes, serializer.manifest(message));
    } catch (NotSerializableException e) {
      throw new AssertionError(e);
    }
  }
}
