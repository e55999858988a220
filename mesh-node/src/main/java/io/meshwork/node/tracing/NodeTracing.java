package io.meshwork.node.tracing;

import io.meshwork.node.config.TracingSettings;
import io.meshwork.protocol.v1.Status;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * OpenTelemetry spans for the calls a node's client endpoints route, exported over OTLP/HTTP (on
 * when {@code meshwork.tracing.exporter = otlp}).
 *
 * <p>Each routed call gets one span of kind SERVER named {@code service/method}, a child of the
 * request's W3C {@code traceparent} header when it has a valid one (else the root of a new trace).
 * The call then travels, to this node's instance or across the forwarding hop to another node's,
 * with a {@code traceparent} naming this span: the service's log lines carry its trace id, and the
 * mesh calls it makes are children of it. The span ends with the call's final reply, its deadline
 * or its connection's close, and records the reply's status ({@code meshwork.status}; an error
 * status for anything but OK).
 *
 * <p>Spans are exported in batches from the SDK's own thread: the connection's thread only builds
 * the span and hands it over to a bounded queue (a collector that is down or slow costs dropped
 * spans, never a blocked connection). Not on the path of a node without tracing: there the
 * endpoint holds no {@code NodeTracing} at all.
 */
public final class NodeTracing implements AutoCloseable {
  static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  static final AttributeKey<String> STATUS = AttributeKey.stringKey("meshwork.status");

  private static final TextMapGetter<Map<String, String>> HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> headers) {
          return headers.keySet();
        }

        @Override
        public String get(Map<String, String> headers, String key) {
          return headers == null ? null : headers.get(key);
        }
      };

  private static final String TRACEPARENT = "traceparent";

  private final SdkTracerProvider provider;
  private final Tracer tracer;
  private final W3CTraceContextPropagator propagator = W3CTraceContextPropagator.getInstance();

  /** Below this (a long in [0, 2^63)), a call without a traceparent starts a recorded trace. */
  private final long newTraceBound;

  private NodeTracing(SdkTracerProvider provider, double sampleRatio) {
    this.provider = provider;
    this.tracer = provider.get("io.meshwork.node");
    this.newTraceBound = sampleRatio >= 1 ? Long.MAX_VALUE : (long) (sampleRatio * Long.MAX_VALUE);
  }

  /** Starts the exporter of a node; {@code nodeAddress} becomes {@code service.instance.id}. */
  public static NodeTracing start(TracingSettings settings, String nodeAddress) {
    var exporterBuilder =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(settings.endpoint().toString())
            .setTimeout(settings.exportTimeout());
    settings.headers().forEach(exporterBuilder::addHeader);
    OtlpHttpSpanExporter exporter = exporterBuilder.build();
    BatchSpanProcessor batches =
        BatchSpanProcessor.builder(exporter)
            .setScheduleDelay(settings.scheduleDelay())
            .setMaxQueueSize(settings.maxQueueSize())
            .setMaxExportBatchSize(Math.min(512, settings.maxQueueSize()))
            .build();
    Resource resource =
        Resource.getDefault()
            .merge(
                Resource.create(
                    Attributes.of(
                        AttributeKey.stringKey("service.name"), settings.serviceName(),
                        AttributeKey.stringKey("service.instance.id"), nodeAddress)));
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(resource)
            // A sampled parent is recorded, an unsampled one is not; new traces are drawn by
            // start() before any span exists, so the sampler records every root it is given.
            .setSampler(Sampler.parentBased(Sampler.alwaysOn()))
            .addSpanProcessor(batches)
            .build();
    return new NodeTracing(provider, settings.sampleRatio());
  }

  /**
   * Starts the span of a routed call, a child of the headers' {@code traceparent} if valid; null
   * when the call has none and is not drawn to start a trace (sample-ratio): such a call then
   * costs nothing more, and travels with its headers as they are.
   */
  public Span start(String service, String method, Map<String, String> headers) {
    String traceparent = headers.isEmpty() ? null : headers.get(TRACEPARENT);
    if (traceparent == null
        && newTraceBound != Long.MAX_VALUE
        && (ThreadLocalRandom.current().nextLong() >>> 1) >= newTraceBound) {
      return null;
    }
    Context parent =
        traceparent == null ? Context.root() : propagator.extract(Context.root(), headers, HEADERS);
    return tracer
        .spanBuilder(service + "/" + method)
        .setParent(parent)
        .setSpanKind(SpanKind.SERVER)
        .setAttribute(RPC_SYSTEM, "meshwork")
        .setAttribute(RPC_SERVICE, service)
        .setAttribute(RPC_METHOD, method)
        .startSpan();
  }

  /**
   * The headers the call travels on: the request's, with {@code traceparent} (and {@code
   * tracestate}) naming {@code span}.
   */
  public Map<String, String> propagate(Map<String, String> headers, Span span) {
    Map<String, String> out = new HashMap<>(headers.size() + 2);
    out.putAll(headers);
    propagator.inject(Context.root().with(span), out, Map::put);
    return out;
  }

  /** Ends a call's span with the status of its final reply. */
  public static void end(Span span, Status status, String error) {
    span.setAttribute(STATUS, status.name());
    if (status != Status.OK) {
      span.setStatus(StatusCode.ERROR, error == null || error.isEmpty() ? status.name() : error);
    }
    span.end();
  }

  /** Ends the span of a call that got no final reply: its client's connection closed first. */
  public static void abandoned(Span span, String reason) {
    span.setAttribute(STATUS, "CONNECTION_CLOSED");
    span.setStatus(StatusCode.ERROR, reason);
    span.end();
  }

  /** Exports the spans still queued (waiting up to 5 s for the collector) and stops. */
  @Override
  public void close() {
    provider.shutdown().join(5, TimeUnit.SECONDS);
  }
}
