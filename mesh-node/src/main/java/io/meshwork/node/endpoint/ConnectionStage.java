package io.meshwork.node.endpoint;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import io.meshwork.node.NodeRuntime;
import io.meshwork.node.auth.ClientAuth;
import io.meshwork.node.config.EndpointSettings;
import io.meshwork.node.metrics.MethodMeters;
import io.meshwork.node.metrics.NodeMetrics;
import io.meshwork.node.tracing.NodeTracing;
import io.meshwork.node.routing.RoutingTable;
import io.meshwork.node.routing.ServiceRoutes;
import io.meshwork.protocol.framing.FrameException;
import io.meshwork.protocol.framing.ArrayFrameParser;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.CallerIdentity;
import io.meshwork.service.internal.CallMessage;
import io.meshwork.service.internal.CallResult;
import io.meshwork.service.internal.CallResultBatch;
import io.meshwork.service.internal.CancelCall;
import io.meshwork.service.internal.CancelConnection;
import io.meshwork.service.internal.ReplyMessage;
import io.meshwork.service.internal.ServiceCall;
import io.meshwork.service.internal.ServiceCallBatch;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;
import scala.runtime.BoxedUnit;

/**
 * The life of one client connection, between the socket's read and write sides:
 *
 * <pre>
 *  bytes --&gt; frames --&gt; Request --&gt; route --&gt; ServiceCall --&gt; service instance (any node)
 *                                                                |
 *  bytes  &lt;-- encode Replies (batched) &lt;-- match by call id &lt;-- CallResult (stage actor)
 * </pre>
 *
 * <p>Every frame of a TCP read is handled in one pass ({@link ArrayFrameParser}), not as one stream
 * element per frame, and parsed in place: a request's payload is a slice of the read's array. Pipelined: up to {@code
 * maxInFlightPerConnection} calls are in flight; beyond that, or while replies wait for the socket,
 * the stage stops taking frames and stops reading, so TCP pushes back on the client.
 * Replies are matched by a per-connection call id (never the client's id), so a late reply after a
 * deadline can never be mistaken for the answer to a newer request that reused the id. Every
 * request is answered exactly once: by its service, by a routing failure, or by {@code
 * DEADLINE_EXCEEDED} from this stage's deadline timer.
 *
 * <p>With client authentication on ({@code meshwork.auth}), each request's token is checked after
 * its target service is known and before it is routed ({@link ClientAuth}); a refused request is
 * answered {@code UNAUTHENTICATED} or {@code PERMISSION_DENIED} and goes no further. With it off,
 * the only cost is one null check per request.
 */
final class ConnectionStage extends GraphStage<FlowShape<ByteString, ByteString>> {
  private final EndpointSettings settings;
  private final NodeRuntime runtime;
  private final RemoteReplies remoteReplies;
  private final NodeMemory memory;
  private final ConnectionAdmission.Permit permit;
  private final Inlet<ByteString> in = Inlet.create("Connection.bytes");
  private final Outlet<ByteString> out = Outlet.create("Connection.replies");
  private final FlowShape<ByteString, ByteString> shape =
      FlowShape.of(in, out);

  /** One connection's stage; {@code permit} is its place at the node, released when it closes. */
  ConnectionStage(
      EndpointSettings settings, EndpointContext context, ConnectionAdmission.Permit permit) {
    this.settings = settings;
    this.runtime = context.runtime();
    this.remoteReplies = context.remoteReplies();
    this.memory = context.memory();
    this.permit = permit;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new Logic();
  }

  private final class Logic extends TimerGraphStageLogic {
    private static final String DEADLINE_TIMER = "deadline";
    private static final String HOUSEKEEPING_TIMER = "housekeeping";
    private static final String DEADLINE_PASSED = "no reply within the deadline of the request";
    /**
     * Calls a connection may always have in flight, even past max-in-flight-per-node: the node sheds
     * the calls of the connections that hold many, so a flood from some clients does not shut out
     * a well-behaved one (the overshoot is bounded by this times max-connections).
     */
    private static final int GUARANTEED_PER_CONNECTION = 8;

    private final long defaultDeadlineNanos = settings.defaultDeadline().toNanos();
    private final long maxDeadlineNanos = settings.maxDeadline().toNanos();
    private final int maxInFlight = settings.maxInFlightPerConnection();
    private final int maxNodeInFlight = settings.limits().maxInFlightPerNode();
    private final long idleNanos = settings.limits().idleTimeout().toNanos();
    private final long stallNanos = settings.limits().writeStallTimeout().toNanos();
    private final long frameNanos = settings.budgets().frameTimeout().toNanos();
    private final long firstRequestNanos = settings.budgets().firstRequestTimeout().toNanos();
    /** The bytes this connection holds, against its budget and the node's. */
    private final ConnectionLedger ledger =
        new ConnectionLedger(memory, settings.budgets().connectionBytes());
    /** The array of the last read: a frame in it is a slice of it (else an assembled one). */
    private byte[] readArray;
    /** When the frame being received began to arrive (nanoTime), 0 when none is. */
    private long frameStartedAt;
    /** By when the first complete request must have come (nanoTime), 0 once it has. */
    private long firstRequestBy;
    /** Waiting in NodeMemory for the node to get back under budget. */
    private boolean awaitingMemory;
    private Runnable memoryWake;
    /** This event's answer of NodeMemory: may this connection's calls be admitted. */
    private boolean memoryAdmits = true;
    private final LongAdder nodeInFlight = runtime.inFlight();
    /** The node's metrics; null when they are off (no work per call). */
    private final NodeMetrics metrics = runtime.metrics();
    /** The node's span exporter; null when tracing is off (no work per call). */
    private final NodeTracing tracing = runtime.tracing();
    /** The meters of this connection's last routed call: consecutive calls mostly share them. */
    private String lastService;
    private String lastMethod;
    private MethodMeters lastMeters;
    /** When the last complete request was read or reply handed out; for the idle timeout. */
    private long lastActivity = System.nanoTime();
    /** When replies were handed to the socket side that has not asked for more since; 0: none. */
    private long waitingSince;

    private final InFlight inFlight = new InFlight();
    private final HeaderLimits headerLimits =
        new HeaderLimits(settings.budgets().maxHeaders(), settings.budgets().maxHeaderBytes());
    private final RequestFields fields = new RequestFields(headerLimits);
    private final String dedicatedService = settings.dedicatedService();
    /** The token check of this connection; null when authentication is off (no work per call). */
    private final ClientAuth clientAuth = runtime.clientAuth();
    private final ClientAuth.Session auth = clientAuth == null ? null : clientAuth.session();
    private final int maxOutboxBytes = settings.maxOutboxBytes();
    /** Bytes of the replies in the outbox, not yet handed to the socket. */
    private long outboxBytes;
    private final ArrayFrameParser parser = new ArrayFrameParser(settings.maxFrameBytes());
    private final ArrayDeque<ByteString> outbox = new ArrayDeque<>();
    private long connectionNumber;
    private long nextSequence;
    private long timerDeadline = Long.MAX_VALUE;
    private boolean inputDone;
    private boolean closeAfterFlush;
    /** The node is shutting down: answer what was read, read nothing more, then close. */
    private boolean draining;
    private Runnable drainHook;
    private Runnable openHook;
    private ActorRef<ReplyMessage> replyTo;

    /**
     * Calls read from the current TCP read, grouped by the instance they go to (rarely more than
     * one), sent as one message per instance when the read is processed.
     */
    private final ArrayList<PendingCalls> batches = new ArrayList<>(2);

    Logic() {
      super(shape);
      setHandler(
          in,
          new AbstractInHandler() {
            @Override
            public void onPush() {
              // The read's own array when it is one (no copy); frames are parsed in place.
              byte[] bytes = grab(in).toArrayUnsafe();
              if (metrics != null) {
                metrics.received(bytes.length); // once per read, not per frame
              }
              ledger.read(bytes.length);
              readArray = bytes;
              parser.offer(bytes, 0, bytes.length);
              processFrames();
            }

            @Override
            public void onUpstreamFinish() {
              inputDone = true;
              processFrames();
            }
          });
      setHandler(
          out,
          new AbstractOutHandler() {
            @Override
            public void onPull() {
              waitingSince = 0;
              ledger.writing(0); // the last batch is written
              flush();
              // Room in the outbox again: take the frames that were waiting for it.
              processFrames();
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
      connectionNumber = remoteReplies.register(replyTo);
      AsyncCallback<BoxedUnit> wakeCallback =
          createAsyncCallback(
              unit -> {
                awaitingMemory = false;
                processFrames();
              });
      memoryWake = () -> wakeCallback.invoke(BoxedUnit.UNIT);
      AsyncCallback<BoxedUnit> drainCallback = createAsyncCallback(unit -> drain());
      drainHook = () -> drainCallback.invoke(BoxedUnit.UNIT);
      runtime.onDrain(drainHook);
      if (!runtime.opened()) {
        // A node still starting reads no request until it can serve (its services routable, the
        // listings settled): the client waits a moment rather than getting "not known yet".
        AsyncCallback<BoxedUnit> openCallback =
            createAsyncCallback(
                unit -> {
                  firstRequestBy = System.nanoTime() + firstRequestNanos; // reading starts now
                  processFrames();
                });
        openHook = () -> openCallback.invoke(BoxedUnit.UNIT);
        runtime.onOpen(openHook);
      } else {
        firstRequestBy = System.nanoTime() + firstRequestNanos;
      }
      long check = Math.min(frameNanos, firstRequestNanos);
      for (long timeout : new long[] {idleNanos, stallNanos}) {
        if (timeout > 0) {
          check = Math.min(check, timeout);
        }
      }
      // Checked a few times per timeout: a connection close happens within 1.25 x the timeout.
      Duration period = Duration.ofNanos(Math.max(check / 4, TimeUnit.MILLISECONDS.toNanos(50)));
      scheduleWithFixedDelay(HOUSEKEEPING_TIMER, period, period);
      pullIfRoom();
    }

    @Override
    public void postStop() {
      java.util.Set<ActorRef<CallMessage>> cancelled = new java.util.HashSet<>();
      runtime.removeDrainHook(drainHook);
      if (openHook != null) {
        runtime.removeOpenHook(openHook);
      }
      remoteReplies.unregister(connectionNumber);
      inFlight.forEach(
          call -> {
            call.abandon("the client's connection closed before the reply");
            // Unary calls too (a service may hold or queue a call until it ends): one message per
            // instance the connection has calls at, not one per call.
            if (cancelled.add(call.instance)) {
              boolean local = call.instance.path().address().hasLocalScope();
              call.instance.tell(
                  new CancelConnection(
                      local ? replyTo : remoteReplies.ref(),
                      connectionNumber,
                      "the client's connection closed"));
            }
          });
      ledger.close();
      permit.release();
    }

    /** Tells the instance serving a call that nobody wants its answer (or the rest of a stream). */
    private void cancel(InFlight.Call call, String reason) {
      boolean local = call.instance.path().address().hasLocalScope();
      call.instance.tell(new CancelCall(call.callId, local ? replyTo : remoteReplies.ref(), reason));
    }

    /**
     * A call id of this connection that is not in flight. Ids wrap after 2^24 calls; only then can
     * one still be in flight, so only then is the table asked (no lookup per call before).
     */
    private long nextCallId() {
      long id;
      do {
        id = RemoteReplies.callId(connectionNumber, ++nextSequence);
      } while ((id & RemoteReplies.SEQUENCE_MASK) == 0
          || (nextSequence > RemoteReplies.SEQUENCE_MASK && inFlight.get(id) != null));
      return id;
    }

    /**
     * Handles every complete frame received so far, as long as there is room in flight; then reads
     * more, or (with the input finished) closes once every call is answered.
     */
    private void processFrames() {
      long now = System.nanoTime(); // one clock read for every frame of this read
      // The node's room for more calls, read once per event (a sum of a few striped counters).
      allowance = maxNodeInFlight - nodeInFlight.sum();
      memoryAdmits = memory.admits(ledger.held());
      try {
        while (!closeAfterFlush && hasRoom()) {
          try {
            if (!parser.next()) {
              break;
            }
          } catch (FrameException e) {
            sendBatches(); // the calls before the bad bytes are still answered... until the close
            protocolError(e.getMessage());
            return;
          }
          onFrame(now);
        }
        sendBatches();
        if (inputDone && parser.buffered() > 0 && hasRoom() && !closeAfterFlush) {
          protocolError(
              "connection closed inside a frame (" + parser.buffered() + " bytes of it received)");
          return;
        }
        flushIfReady();
        pullIfRoom();
        completeIfDone();
      } finally {
        settle(now);
      }
    }

    /** At the end of every event: what the connection holds now, reported to the node. */
    private void settle(long now) {
      if (parser.needsInput()) {
        ledger.readConsumed();
      }
      ledger.assembly(parser.assemblyBytes());
      if (!parser.inFrame()) {
        frameStartedAt = 0;
      } else if (frameStartedAt == 0 || !hasBeenPulled(in)) {
        frameStartedAt = now; // the frame's clock runs only while the node waits for its bytes
      }
      ledger.sync();
    }

    /** The byte stream cannot be resynchronised: one error reply with id 0, then close. */
    private void protocolError(String message) {
      parser.clear();
      enqueue(failure(0, Status.BAD_REQUEST, message));
      closeAfterFlush = true;
      if (!isClosed(in)) {
        cancel(in); // a plain cancel: the connection is closed after the reply, not reset
      }
      flushIfReady();
      completeIfDone();
    }

    /** How many more calls the node takes in this event before it sheds them (OVERLOADED). */
    private long allowance;

    /**
     * Room to take more frames: calls in flight, and replies waiting for the client, both counted
     * and in bytes (else a client that never reads could park up to maxInFlight large replies).
     */
    private boolean hasRoom() {
      return inFlight.size() < maxInFlight && outbox.size() < maxInFlight && outboxBytes < maxOutboxBytes;
    }


    private void onFrame(long now) {
      long id;
      String service;
      String method;
      com.google.protobuf.ByteString payload;
      int deadlineMs;
      Map<String, String> headers;
      String headersTooLarge;
      byte[] frame = parser.frameArray();
      int offset = parser.frameOffset();
      int length = parser.frameLength();
      firstRequestBy = 0;
      lastActivity = now; // only complete requests count as activity
      if (fields.parse(frame, offset, length)) {
        // The usual request, parsed in place with no generated objects (see RequestFields).
        id = fields.id;
        service = fields.service;
        method = fields.method;
        payload = fields.payload;
        deadlineMs = fields.deadlineMs;
        headers = fields.headers;
        headersTooLarge =
            fields.headersExceeded()
                ? headerLimits.violation(fields.headerCount, fields.headerBytes)
                : null;
      } else {
        Request request;
        try {
          // Parsed in place; bytes fields (the payload) alias the read's array: no copy. That
          // needs an input that protobuf knows to be immutable, which unsafeWrap's is.
          CodedInputStream input =
              UnsafeByteOperations.unsafeWrap(frame, offset, length).newCodedInput();
          input.enableAliasing(true);
          request = Request.parseFrom(input);
        } catch (IOException e) {
          enqueue(
              failure(
                  0, Status.BAD_REQUEST, "frame is not a valid meshwork.v1.Request: " + e.getMessage()));
          if (metrics != null) {
            refused(metrics.unknown(), Status.BAD_REQUEST, now);
          }
          return;
        }
        id = request.getId();
        service = request.getService();
        method = request.getMethod();
        payload = request.getPayload();
        deadlineMs = request.getDeadlineMs();
        // getHeadersMap() builds an empty map per call when there are no headers
        headers = request.getHeadersCount() == 0 ? Map.of() : request.getHeadersMap();
        headersTooLarge = headerLimits.violation(headers);
      }
      if (dedicatedService != null) {
        if (service.isEmpty()) {
          service = dedicatedService;
        } else if (!service.equals(dedicatedService)) {
          if (metrics != null) {
            refused(metrics.unknown(), Status.BAD_REQUEST, now);
          }
          enqueue(
              failure(
                  id,
                  Status.BAD_REQUEST,
                  "service: \""
                      + service
                      + "\" (expected: \"\" or \""
                      + dedicatedService
                      + "\"; this is the dedicated port of "
                      + dedicatedService
                      + ", other services are on the node's shared port)"));
          return;
        }
      } else if (service.isEmpty()) {
        if (metrics != null) {
          refused(metrics.unknown(), Status.BAD_REQUEST, now);
        }
        enqueue(
            failure(
                id, Status.BAD_REQUEST, "service: \"\" (expected: the name of a service on this endpoint)"));
        return;
      }
      if (headersTooLarge != null) {
        if (metrics != null) {
          refused(metrics.unknown(), Status.BAD_REQUEST, now);
        }
        enqueue(failure(id, Status.BAD_REQUEST, headersTooLarge));
        return;
      }
      if (auth != null) {
        ClientAuth.Denial denial = auth.check(headers, service, method);
        if (denial != null) {
          if (metrics != null) {
            boolean routed = runtime.routingTable().services().containsKey(service);
            refused(metrics.meters(service, method, routed), denial.status(), now);
          }
          enqueue(failure(id, denial.status(), denial.message()));
          return;
        }
        headers = auth.stamped(headers); // the token out, the client's name in
      } else if (!headers.isEmpty() && headers.containsKey(CallerIdentity.HEADER)) {
        headers = ClientAuth.withoutIdentity(headers); // only the node says who called
      }
      RoutingTable table = runtime.routingTable();
      ServiceRoutes routes = table.services().get(service);
      ActorRef<CallMessage> instance = routes == null ? null : routes.pick(headers);
      if (instance == null) {
        RoutingTable.Miss miss = table.miss(service, headers);
        if (metrics != null) {
          refused(metrics.meters(service, method, routes != null), miss.status(), now);
        }
        enqueue(failure(id, miss.status(), miss.message()));
        return;
      }
      if (allowance <= 0 && inFlight.size() >= GUARANTEED_PER_CONNECTION) {
        // The node as a whole has max-in-flight-per-node calls in flight: shed this one at once,
        // cheaply, rather than queue it (the client may retry elsewhere or later).
        if (metrics != null) {
          refused(metersOf(service, method), Status.OVERLOADED, now);
        }
        enqueue(
            failure(
                id,
                Status.OVERLOADED,
                "the node has "
                    + maxNodeInFlight
                    + " requests in flight (meshwork.endpoint.max-in-flight-per-node); retry later or"
                    + " on another node"));
        return;
      }
      if (!memoryAdmits) {
        // The node holds more than its budget for clients, and this connection more than its
        // fair share: shed, as above (the connections under their share are still served).
        if (metrics != null) {
          refused(metersOf(service, method), Status.OVERLOADED, now);
        }
        enqueue(failure(id, Status.OVERLOADED, overBudget()));
        return;
      }
      allowance--;
      long timeout =
          deadlineMs == 0
              ? defaultDeadlineNanos
              // deadline_ms is a uint32: above 2^31 - 1 it is still a (long) positive deadline
              : Math.min(
                  TimeUnit.MILLISECONDS.toNanos(Integer.toUnsignedLong(deadlineMs)), maxDeadlineNanos);
      InFlight.Call call = inFlight.add(nextCallId(), id, now + timeout);
      call.instance = instance;
      call.chunk = ledger.forCall(frame == readArray, length);
      nodeInFlight.increment();
      call.nodeInFlight = nodeInFlight;
      if (metrics != null) {
        MethodMeters meters = metersOf(service, method);
        meters.admitted();
        call.meters = meters;
        call.startNanos = now;
      }
      if (tracing != null) {
        // A span per routed call; the call travels with a traceparent that names it.
        call.span = tracing.start(service, method, headers); // null: not traced
        if (call.span != null) {
          headers = tracing.propagate(headers, call.span);
        }
      }
      AtomicInteger outstanding = routes.outstanding(instance); // null unless least-outstanding
      if (outstanding != null) {
        outstanding.incrementAndGet();
        call.outstanding = outstanding;
      }
      if (call.deadlineNanos - timerDeadline < 0 || timerDeadline == Long.MAX_VALUE) {
        armTimer(call.deadlineNanos); // a timer set for later, or none: this call's deadline first
      }
      boolean local = instance.path().address().hasLocalScope();
      if (!local && metrics != null) {
        metrics.forwarded();
      }
      batch(
          instance,
          new ServiceCall(
              call.callId,
              method,
              payload,
              call.deadlineNanos,
              headers,
              // A call to another node replies through the node's one remote reply path.
              local ? replyTo : remoteReplies.ref()),
          local);
    }

    private String overBudget() {
      return "the node holds "
          + memory.held()
          + " bytes for its clients, over its budget of "
          + memory.budget()
          + " (meshwork.endpoint.memory.node-budget), and this connection holds "
          + ledger.held()
          + ", more than its fair share of "
          + memory.fairShare()
          + "; retry later or on another node";
    }

    /** The meters of a routed call: this connection's last ones, or the node's by name. */
    private MethodMeters metersOf(String service, String method) {
      // Mostly the very same strings as the last call's (RequestFields reuses them): no lookup.
      if (service.equals(lastService) && method.equals(lastMethod)) {
        return lastMeters;
      }
      lastMeters = metrics.meters(service, method, true);
      lastService = service;
      lastMethod = method;
      return lastMeters;
    }

    /** Counts a request answered before it reached a service (refused, not found, shed). */
    private void refused(MethodMeters meters, Status status, long now) {
      meters.firstReply(System.nanoTime() - now);
      meters.answered(status);
    }

    private void batch(ActorRef<CallMessage> instance, ServiceCall call, boolean local) {
      if (!local) {
        RemoteCallBatcher loopBatcher = RemoteCallBatcher.onThisLoop(remoteReplies.maxBatchBytes());
        if (loopBatcher != null) {
          loopBatcher.add(instance, call); // merged with the other connections' calls of this turn
          return;
        }
      }
      PendingCalls calls = null;
      for (int i = 0; i < batches.size(); i++) {
        if (batches.get(i).instance.equals(instance)) {
          calls = batches.get(i);
          break;
        }
      }
      if (calls == null) {
        calls = new PendingCalls(instance, local ? Long.MAX_VALUE : remoteReplies.maxBatchBytes());
        batches.add(calls);
      }
      calls.add(call);
    }

    /** Sends the calls gathered from this read: one message per service instance. */
    private void sendBatches() {
      for (int i = 0; i < batches.size(); i++) {
        batches.get(i).send();
      }
      batches.clear();
    }

    private void onResult(Object message) {
      // One clock read per event, for the durations of every call it answers.
      long now = metrics == null ? 0 : System.nanoTime();
      if (message instanceof CallResult result) {
        deliver(result, now);
      } else if (message instanceof CallResultBatch batch) {
        for (CallResult result : batch.results()) {
          deliver(result, now);
        }
      } else {
        return;
      }
      processFrames();
    }

    /** Queues the reply frame for a result; a late result (deadline passed) is dropped. */
    private void deliver(CallResult result, long now) {
      InFlight.Call call =
          result.more() ? inFlight.get(result.callId()) : inFlight.remove(result.callId());
      if (call == null) {
        return;
      }
      MethodMeters meters = call.meters;
      if (meters != null && !call.streaming) {
        meters.firstReply(now - call.startNanos); // the reply, or a stream's first item
      }
      if (!result.more()) {
        call.finish(result.status(), result.error());
      } else {
        if (!call.streaming) {
          call.streaming = true; // the stream has started: its deadline is met
          inFlight.detachDeadline(call);
        }
        if (outboxBytes >= maxOutboxBytes) {
          // The client does not read as fast as the stream produces: end the stream rather than
          // buffer without bound, and tell the service to stop.
          inFlight.remove(call.callId);
          String error =
              "stream ended: the client did not read its replies fast enough (more than "
                  + maxOutboxBytes
                  + " bytes were waiting for it)";
          call.finish(Status.OVERLOADED, error);
          enqueue(failure(call.clientId, Status.OVERLOADED, error));
          cancel(call, "the client did not read fast enough");
          return;
        }
      }
      enqueue(
          ReplyEncoder.encode(
              call.clientId, result.status(), result.payload(), result.error(), result.more()));
    }

    @Override
    public void onTimer(Object timerKey) {
      if (HOUSEKEEPING_TIMER.equals(timerKey)) {
        housekeeping();
        return;
      }
      timerDeadline = Long.MAX_VALUE;
      long now = System.nanoTime();
      for (InFlight.Call late = inFlight.pollExpired(now);
          late != null;
          late = inFlight.pollExpired(now)) {
        if (late.meters != null) {
          late.meters.firstReply(now - late.startNanos);
        }
        late.finish(Status.DEADLINE_EXCEEDED, DEADLINE_PASSED);
        cancel(late, "the deadline passed before the first reply"); // a stream stops at once
        enqueue(failure(late.clientId, Status.DEADLINE_EXCEEDED, DEADLINE_PASSED));
      }
      InFlight.Call next = inFlight.first();
      if (next != null) {
        armTimer(next.deadlineNanos);
      }
      processFrames();
    }

    /**
     * Makes the deadline timer fire at {@code deadlineNanos}. One timer per connection, set at or
     * before the earliest deadline; when that call is answered first, the timer still fires, finds
     * nothing late and moves on to the next earliest. So a connection schedules about one timer per
     * deadline period, not one per call.
     */
    private void armTimer(long deadlineNanos) {
      if (deadlineNanos == timerDeadline) {
        return;
      }
      timerDeadline = deadlineNanos;
      long delay = Math.max(0, deadlineNanos - System.nanoTime());
      scheduleOnce(DEADLINE_TIMER, Duration.ofNanos(delay + 1_000_000));
    }

    /**
     * Closes a connection whose client has not taken its replies for write-stall-timeout (it is
     * not reading; its calls are cancelled, rather than buffered for ever), or that has been idle,
     * with nothing in flight, for idle-timeout.
     */
    private void housekeeping() {
      long now = System.nanoTime();
      if (frameStartedAt != 0 && !hasBeenPulled(in)) {
        frameStartedAt = now; // the node is not reading (backpressure): not the client's time
      }
      if (frameStartedAt != 0 && now - frameStartedAt > frameNanos) {
        protocolError(
            "a frame was not complete "
                + TimeUnit.NANOSECONDS.toMillis(frameNanos)
                + " ms after it began ("
                + parser.buffered()
                + " bytes of it received; meshwork.endpoint.frame-timeout)");
        settle(now);
        return;
      }
      if (firstRequestBy != 0 && now - firstRequestBy > 0 && !parser.inFrame()) {
        log().debug("Closing a client connection that sent no request (first-request-timeout)");
        closeAfterFlush = true;
        if (!isClosed(in)) {
          cancel(in);
        }
        completeIfDone();
        return;
      }
      if (stallNanos > 0 && waitingSince != 0 && now - waitingSince > stallNanos) {
        log().info(
            "Closing a client connection: its replies have waited {} ms for the client to read them"
                + " (meshwork.endpoint.write-stall-timeout)",
            TimeUnit.NANOSECONDS.toMillis(now - waitingSince));
        failStage(new WriteStalled());
        return;
      }
      if (idleNanos > 0
          && inFlight.size() == 0
          && outbox.isEmpty()
          && waitingSince == 0
          && now - lastActivity > idleNanos) {
        log().debug("Closing an idle client connection (meshwork.endpoint.idle-timeout)");
        closeAfterFlush = true;
        if (!isClosed(in)) {
          cancel(in);
        }
        completeIfDone();
      }
    }

    /**
     * Graceful shutdown: the frames already read are still handled and answered, nothing more is
     * read, and the connection closes once every call is answered. So a request the client sent
     * after this was never read: a client may safely send it again to another node.
     */
    private void drain() {
      if (draining) {
        return;
      }
      draining = true;
      processFrames(); // the complete frames already read
      if (!isClosed(in)) {
        cancel(in); // the connection lingers: the client reads every reply, not a reset
      }
      completeIfDone();
    }

    private void pullIfRoom() {
      // Frames of the last read may still wait when the loop stopped for room: they come first
      // (the next onPull or result runs processFrames again), then more bytes.
      if (!inputDone
          && parser.needsInput()
          && !closeAfterFlush
          && !draining
          && runtime.opened()
          && !hasBeenPulled(in)
          && !isClosed(in)
          && hasRoom()
          && ledger.underBudget()) { // else: read again when its calls end or replies go out
        if (memory.admits(ledger.held())) {
          pull(in);
        } else if (!awaitingMemory) {
          awaitingMemory = true; // read again when the node is back under budget
          memory.await(memoryWake);
        }
      }
    }

    /**
     * Queues a reply frame. Every handler ends with {@link #flushIfReady}, so all the replies of
     * one event (a batch of results, a read's routing failures, the expired calls) leave in one
     * write.
     */
    private void enqueue(ByteString frame) {
      outbox.add(frame);
      outboxBytes += frame.size();
      ledger.queued(frame.size());
    }

    private void flushIfReady() {
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
      ledger.queued(-outboxBytes);
      ledger.writing(batch.size());
      outboxBytes = 0;
      if (metrics != null) {
        metrics.sent(batch.size()); // once per write
      }
      push(out, batch);
      long now = System.nanoTime();
      lastActivity = now;
      waitingSince = now;
    }

    private void completeIfDone() {
      if (!outbox.isEmpty()) {
        return;
      }
      if (closeAfterFlush || ((inputDone || draining) && inFlight.size() == 0)) {
        completeStage();
      }
    }

    private org.apache.pekko.event.LoggingAdapter log() {
      return org.apache.pekko.event.Logging.getLogger(materializer().system(), ConnectionStage.class);
    }

    private ByteString failure(long clientId, Status status, String error) {
      return ReplyEncoder.encode(clientId, status, com.google.protobuf.ByteString.EMPTY, error, false);
    }
  }

  /** Ends a connection whose client stopped reading (a stack-less, expected failure). */
  static final class WriteStalled extends RuntimeException {
    WriteStalled() {
      super("the client stopped reading its replies", null, false, false);
    }
  }
}
