package io.meshwork.service;

/**
 * A Meshwork service: one small, single-purpose piece of work reachable by name from anywhere in
 * the cluster.
 *
 * <p>Implementations need a public no-argument constructor; the node instantiates them by class
 * name from {@code meshwork.service-classes} and hosts the behaviour that {@link #definition()}
 * describes.
 *
 * <pre>{@code
 * public final class EchoService implements MeshService {
 *   public ServiceDefinition<?> definition() {
 *     return ServiceDefinition.<Call<ByteString, ByteString>>builder("echo")
 *         .anyMethod(call -> call)
 *         .behavior(ctx -> Behaviors.receiveMessage(call -> {
 *           call.reply(call.request());
 *           return Behaviors.same();
 *         }))
 *         .build();
 *   }
 * }
 * }</pre>
 */
public interface MeshService {
  /** The service's name, methods and behaviour. */
  ServiceDefinition<?> definition();
}
