package io.meshwork.node.endpoint;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.node.NodeRuntime;
import io.meshwork.node.config.EndpointSettings;
import io.meshwork.node.routing.RoutingTable;
import io.meshwork.protocol.framing.FrameException;
import io.meshwork.protocol.framing.Varint;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.internal.CallResult;
import io.meshwork.service.internal.ServiceCall;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;
import scala.runtime.BoxedUnit;

/**
 * The life of one client connection, between the frame decoder and the socket's write side:
 *
 * <pre>
 *  frames --&gt; parse Request --&gt; route --&gt; ServiceCall --&gt; service instance (any node)
 *                                                                |
 *  bytes  &lt;-- encode Replies (batched) &lt;-- match by call id &lt;-- CallResult (stage actor)
 * </pre>
 *
 * <p>Pipelined: up to {@code maxInFlightPerConnection} calls are in flight; beyond that, or while
 * replies wait for the socket, the stage stops pulling frames, so TCP pushes back on the client.
 * Replies are matched by a per-connection call id (never the client's id), so a late reply after a
 * deadline can never be mistaken for the answer to a newer request that reused the id. Every
 * request is answered exactly once: by its service, by a routing failure, or by {@code
 * DEADLINE_EXCEEDED} from this stage's deadline timer.
 */
final class ConnectionStage extends GraphStage<FlowShape<ByteString, ByteString>> {
  private final EndpointSettings settings;
  private final NodeRuntime runtime;
  private final Inlet<ByteString> in = Inlet.create("Connection.frames");
  private final Outlet<ByteString> out = Outlet.create("Connection.replies");
  private final FlowShape<ByteString, ByteString> shape =
      FlowShape.of(in, out);

  ConnectionStage(EndpointSettings settings, NodeRuntime runtime) {
    this.settings = settings;
    this.runtime = runtime;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new Logic();
  }

  /** A call in flight: which client request it answers and when it expires. */
  private static final class Pending {
    final long callId;
    final long clientId;
    final long deadlineNanos;

    Pending(long callId, long clientId, long deadlineNanos) {
      this.callId = callId;
      this.clientId = clientId;
      this.deadlineNanos = deadlineNanos;
    }
  }

  private final class Logic extends TimerGraphStageLogic {
    private static final String DEADLINE_TIMER = "deadline";

    private final long defaultDeadlineNanos = settings.defaultDeadline().toNanos();
    private final long maxDeadlineNanos = settings.maxDeadline().toNanos();
    private final int maxInFlight = settings.maxInFlightPerConnection();

    private final Map<Long, Pending> pending = new HashMap<>();
    /**
     * Calls in order of their deadline. Almost every call uses the same default deadline, so
     * arrival order is deadline order and a deque suffices; a shorter deadline than the tail's is
     * inserted by scanning from the tail (rare and short).
     */
    private final ArrayList<Pending> byDeadline = new java.util.ArrayList<>();
    private int byDeadlineHead;

    private final ArrayDeque<ByteString> outbox = new ArrayDeque<>();
    private long nextCallId;
    private long timerDeadline = Long.MAX_VALUE;
    private boolean inputDone;
    private boolean closeAfterFlush;
    private ActorRef<CallResult> replyTo;

    Logic() {
      super(shape);
      setHandler(
          in,
          new AbstractInHandler() {
            @Override
            public void onPush() {
              onFrame(grab(in));
              pullIfRoom();
            }

            @Override
            public void onUpstreamFinish() {
              inputDone = true;
              completeIfDone();
            }

            @Override
            public void onUpstreamFailure(Throwable ex) {
              if (ex instanceof FrameException) {
                // The byte stream cannot be resynchronised: one error reply, then close.
                enqueue(failure(0, Status.BAD_REQUEST, ex.getMessage()));
                inputDone = true;
                closeAfterFlush = true;
                completeIfDone();
              } else {
                failStage(ex);
              }
            }
          });
      setHandler(
          out,
          new AbstractOutHandler() {
            @Override
            public void onPull() {
              flush();
              completeIfDone();
            }
          });
    }

    @Override
    public void preStart() {
      replyTo =
          Adapter.toTyped(
              getStageActor(
                      pair -> {
                        onResult(pair._2());
                        return BoxedUnit.UNIT;
                      })
                  .ref());
      pull(in);
    }

    private void onFrame(ByteString frame) {
      Request request;
      try {
        request = Request.parseFrom(frame.asByteBuffer());
      } catch (InvalidProtocolBufferException e) {
        enqueue(failure(0, Status.BAD_REQUEST, "frame is not a valid meshwork.v1.Request: " + e.getMessage()));
        return;
      }
      String service = request.getService();
      if (service.isEmpty()) {
        enqueue(
            failure(
                request.getId(),
                Status.BAD_REQUEST,
                "service: \"\" (expected: the name of a service on this endpoint)"));
        return;
      }
      RoutingTable table = runtime.routingTable();
      ActorRef<ServiceCall> instance = table.pick(service);
      if (instance == null) {
        RoutingTable.Miss miss = table.miss(service);
        enqueue(failure(request.getId(), miss.status(), miss.message()));
        return;
      }
      long now = System.nanoTime();
      long timeout =
          request.getDeadlineMs() == 0
              ? defaultDeadlineNanos
              : Math.min(TimeUnit.MILLISECONDS.toNanos(request.getDeadlineMs()), maxDeadlineNanos);
      Pending call = new Pending(++nextCallId, request.getId(), now + timeout);
      pending.put(call.callId, call);
      track(call);
      instance.tell(
          new ServiceCall(
              call.callId,
              request.getMethod(),
              request.getPayload(),
              call.deadlineNanos,
              request.getHeadersMap(),
              replyTo));
    }

    private void onResult(Object message) {
      if (!(message instanceof CallResult result)) {
        return;
      }
      Pending call = result.more() ? pending.get(result.callId()) : pending.remove(result.callId());
      if (call == null) {
        return; // answered already (deadline passed); the late result is dropped
      }
      enqueue(
          encode(
              Reply.newBuilder()
                  .setId(call.clientId)
                  .setStatus(result.status())
                  .setPayload(result.payload())
                  .setError(result.error())
                  .setMore(result.more())
                  .build()));
      pullIfRoom();
      completeIfDone();
    }

    @Override
    public void onTimer(Object timerKey) {
      timerDeadline = Long.MAX_VALUE;
      long now = System.nanoTime();
      while (byDeadlineHead < byDeadline.size()) {
        Pending head = byDeadline.get(byDeadlineHead);
        if (pending.get(head.callId) != head) {
          byDeadlineHead++; // already answered
          continue;
        }
        if (head.deadlineNanos - now > 0) {
          break;
        }
        byDeadlineHead++;
        pending.remove(head.callId);
        enqueue(
            failure(
                head.clientId,
                Status.DEADLINE_EXCEEDED,
                "no reply within the deadline of the request"));
      }
      compactDeadlines();
      armTimer();
      pullIfRoom();
      completeIfDone();
    }

    private void track(Pending call) {
      int i = byDeadline.size();
      while (i > byDeadlineHead && byDeadline.get(i - 1).deadlineNanos - call.deadlineNanos > 0) {
        i--;
      }
      byDeadline.add(i, call);
      if (call.deadlineNanos - timerDeadline < 0 || timerDeadline == Long.MAX_VALUE) {
        armTimer();
      }
    }

    private void armTimer() {
      while (byDeadlineHead < byDeadline.size()
          && pending.get(byDeadline.get(byDeadlineHead).callId) != byDeadline.get(byDeadlineHead)) {
        byDeadlineHead++;
      }
      if (byDeadlineHead >= byDeadline.size()) {
        cancelTimer(DEADLINE_TIMER);
        timerDeadline = Long.MAX_VALUE;
        return;
      }
      long earliest = byDeadline.get(byDeadlineHead).deadlineNanos;
      if (earliest == timerDeadline) {
        return;
      }
      timerDeadline = earliest;
      long delay = Math.max(0, earliest - System.nanoTime());
      scheduleOnce(DEADLINE_TIMER, Duration.ofNanos(delay + 1_000_000));
    }

    /** Drops answered calls from the front of the deadline list once they pile up. */
    private void compactDeadlines() {
      if (byDeadlineHead > 1024 && byDeadlineHead * 2 > byDeadline.size()) {
        byDeadline.subList(0, byDeadlineHead).clear();
        byDeadlineHead = 0;
      }
      if (pending.isEmpty()) {
        byDeadline.clear();
        byDeadlineHead = 0;
      }
    }

    private void pullIfRoom() {
      if (!inputDone
          && !closeAfterFlush
          && !hasBeenPulled(in)
          && !isClosed(in)
          && pending.size() < maxInFlight
          && outbox.size() < maxInFlight) {
        pull(in);
      }
    }

    private void enqueue(ByteString frame) {
      outbox.add(frame);
      if (isAvailable(out)) {
        flush();
      }
    }

    /** Writes every queued reply in one element, so a burst of replies becomes one TCP write. */
    private void flush() {
      if (outbox.isEmpty()) {
        return;
      }
      ByteString batch = outbox.poll();
      while (!outbox.isEmpty()) {
        batch = batch.concat(outbox.poll());
      }
      push(out, batch);
      pullIfRoom();
    }

    private void completeIfDone() {
      if (!outbox.isEmpty()) {
        return;
      }
      if (closeAfterFlush || (inputDone && pending.isEmpty())) {
        completeStage();
      }
    }

    private ByteString failure(long clientId, Status status, String error) {
      return encode(
          Reply.newBuilder().setId(clientId).setStatus(status).setError(error).build());
    }

    private ByteString encode(Reply reply) {
      return ByteString.fromArrayUnsafe(Varint.encodeFrame(reply));
    }
  }
}
