package io.meshwork.node;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.google.protobuf.ByteString;
import io.meshwork.node.testing.Poll;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * W3C traceparent: a call's trace id is in the MDC ({@code traceId}) of what is logged about it on
 * the node that serves it, also when another node forwarded the call there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracingTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

  private final TestNodes nodes = new TestNodes();
  private final Capture capture = new Capture();
  private MeshNode a;
  private MeshNode b;

  /** Keeps the service host's log events. */
  private static final class Capture extends AppenderBase<ILoggingEvent> {
    final ConcurrentLinkedQueue<ILoggingEvent> events = new ConcurrentLinkedQueue<>();

    @Override
    protected void append(ILoggingEvent event) {
      if (event.getLoggerName().startsWith("io.meshwork.service")) {
        event.prepareForDeferredProcessing();
        events.add(event);
      }
    }
  }

  @BeforeAll
  void start() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    capture.setContext(context);
    capture.start();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(capture);
    a = nodes.start("faulty", null);
    b = nodes.start("none", a);
    TestNodes.awaitUp(a, b);
    TestProbe<Object> probe = TestProbe.create(b.system());
    probe.awaitAssert(
        Duration.ofSeconds(15),
        () -> {
          assertThat(NodeRuntime.get(b.system()).routingTable().services()).containsKey("faulty");
          return null;
        });
  }

  @AfterAll
  void stop() {
    nodes.close();
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(capture);
    capture.stop();
  }

  private static Request crash(long id, String traceparent) {
    return Request.newBuilder()
        .setId(id)
        .setService("faulty")
        .setMethod("crash")
        .putHeaders("traceparent", traceparent)
        .build();
  }

  private List<ILoggingEvent> failuresLogged() {
    Poll.until(Duration.ofSeconds(5), "the failure logged", () -> capture.events.stream()
        .anyMatch(e -> e.getFormattedMessage().contains("failed on a call of crash")));
    List<ILoggingEvent> events =
        capture.events.stream().filter(e -> e.getFormattedMessage().contains("failed on a call of crash")).toList();
    capture.events.clear();
    return events;
  }

  @Test
  void theTraceIdCrossesTheForwardingHopIntoTheServingNodesLog() {
    capture.events.clear();
    try (WireConnection c = new WireConnection(TestNodes.endpoint(b))) {
      assertThat(c.call(crash(1, "00-" + TRACE_ID + "-00f067aa0ba902b7-01")).getStatus())
          .isEqualTo(Status.INTERNAL);
    }
    List<ILoggingEvent> logged = failuresLogged();
    assertThat(logged).hasSize(1);
    assertThat(logged.get(0).getMDCPropertyMap()).containsEntry("traceId", TRACE_ID);
  }

  @Test
  void aMalformedTraceparentIsIgnoredNotAnError() {
    capture.events.clear();
    try (WireConnection c = new WireConnection(TestNodes.endpoint(a))) {
      assertThat(c.call(crash(1, "00-" + TRACE_ID.toUpperCase() + "-00f067aa0ba902b7-01")).getStatus())
          .isEqualTo(Status.INTERNAL);
      Request echoLike =
          Request.newBuilder()
              .setId(2)
              .setService("faulty")
              .setMethod("count")
              .setPayload(ByteString.EMPTY)
              .putHeaders("traceparent", "nonsense")
              .build();
      assertThat(c.call(echoLike).getStatus()).isEqualTo(Status.OK);
    }
    List<ILoggingEvent> logged = failuresLogged();
    assertThat(logged).hasSize(1);
    assertThat(logged.get(0).getMDCPropertyMap()).doesNotContainKey("traceId");
  }
}
