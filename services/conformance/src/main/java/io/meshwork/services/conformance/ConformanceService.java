package io.meshwork.services.conformance;

import io.meshwork.protocol.services.v1.ConformanceReply;
import io.meshwork.protocol.services.v1.DelayRequest;
import io.meshwork.protocol.services.v1.StatusRequest;
import io.meshwork.protocol.services.v1.StreamItem;
import io.meshwork.protocol.services.v1.StreamRequest;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceDefinition;

/**
 * {@code conformance}: answers on demand with any status, after a delay, or with a stream, so that
 * a client's handling of the protocol can be checked over the wire (as gRPC's interop test
 * service does). The conformance suite in {@code protocol/conformance/} relies on it.
 *
 * <ul>
 *   <li>{@code status}: {@link StatusRequest} answered at once with the requested status: {@code
 *       OK} with {@link ConformanceReply} carrying the request's payload, or the failure status
 *       with the requested error text.
 *   <li>{@code delay}: {@link DelayRequest} answered {@code OK} after {@code delay_ms}, on a timer
 *       (never blocking), for out-of-order replies and deadlines.
 *   <li>{@code stream}: {@link StreamRequest} answered with {@code count} {@link StreamItem}s, one
 *       every {@code interval_ms}, then an end frame with the requested status.
 * </ul>
 */
public final class ConformanceService implements MeshService {
  public static final String NAME = "conformance";

  @Override
  public ServiceDefinition<?> definition() {
    return ServiceDefinition.<ConformanceActor.Command>builder(NAME)
        .unary(
            "status",
            StatusRequest.getDefaultInstance(),
            ConformanceReply.getDefaultInstance(),
            ConformanceActor.AnswerStatus::new)
        .unary(
            "delay",
            DelayRequest.getDefaultInstance(),
            ConformanceReply.getDefaultInstance(),
            ConformanceActor.Delay::new)
        .streaming(
            "stream",
            StreamRequest.getDefaultInstance(),
            StreamItem.getDefaultInstance(),
            ConformanceActor.Stream::new)
        .behavior(context -> ConformanceActor.create())
        .build();
  }
}
