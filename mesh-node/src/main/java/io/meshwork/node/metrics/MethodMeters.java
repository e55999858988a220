package io.meshwork.node.metrics;

import io.meshwork.protocol.v1.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of one (service, method) label pair, created once and then kept by the node (and by
 * each connection for its last routed call), so that recording a call looks nothing up by name
 * and allocates nothing: a counter increment per answer, a histogram record per first reply, and
 * a striped add and subtract for the service's calls in flight.
 */
public final class MethodMeters {
  private final MeterRegistry registry;
  private final Tags tags;
  private final Timer duration;
  private final LongAdder serviceInFlight;
  /** {@code meshwork_requests_total} by status, created at a status's first use. */
  private final AtomicReferenceArray<Counter> byStatus =
      new AtomicReferenceArray<>(Status.values().length);

  MethodMeters(MeterRegistry registry, String service, String method, LongAdder serviceInFlight) {
    this.registry = registry;
    this.tags = Tags.of("service", service, "method", method);
    this.serviceInFlight = serviceInFlight;
    this.duration =
        Timer.builder(NodeMetrics.REQUEST_DURATION)
            .description("Time from reading a request to its first reply frame (for a stream, its first item)")
            .tags(tags)
            .publishPercentileHistogram()
            // Calls on one node take tens of microseconds; deadlines reach minutes.
            .minimumExpectedValue(java.time.Duration.ofNanos(50_000))
            .maximumExpectedValue(java.time.Duration.ofSeconds(60))
            .register(registry);
  }

  /** Counts one answered request with {@code status}. */
  public void answered(Status status) {
    int i = status.ordinal();
    Counter counter = byStatus.get(i);
    if (counter == null) {
      // Once per status and method; the registry hands out the same counter on a race.
      counter =
          Counter.builder(NodeMetrics.REQUESTS)
              .description("Requests answered, by service, method and final status")
              .tags(tags)
              .tag("status", status.name())
              .register(registry);
      byStatus.set(i, counter);
    }
    counter.increment();
  }

  /** Records the time from a request's arrival to its first reply frame. */
  public void firstReply(long nanos) {
    duration.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** A call of this method was admitted: it counts as in flight at its service until released. */
  public void admitted() {
    serviceInFlight.increment();
  }

  public void released() {
    serviceInFlight.decrement();
  }
}
