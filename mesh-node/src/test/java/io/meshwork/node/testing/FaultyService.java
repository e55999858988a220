package io.meshwork.node.testing;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.Call;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceDefinition;
import io.meshwork.service.ServiceException;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Fails on purpose, by method: {@code crash} throws (INTERNAL, instance restarted), {@code reject}
 * throws a ServiceException (PERMISSION_DENIED), {@code count} answers how many calls this
 * instance has seen since it (re)started, which shows the restart.
 */
public final class FaultyService implements MeshService {
  @Override
  public ServiceDefinition<?> definition() {
    return ServiceDefinition.<Call<ByteString, ByteString>>builder("faulty")
        .anyMethod(call -> call)
        .behavior(ctx -> counting(0))
        .build();
  }

  private static org.apache.pekko.actor.typed.Behavior<Call<ByteString, ByteString>> counting(
      int seen) {
    return Behaviors.receiveMessage(
        call -> {
          switch (call.method()) {
            case "crash" -> throw new IllegalStateException("boom");
            case "reject" -> throw new ServiceException(Status.PERMISSION_DENIED, "not for you");
            default -> {
              call.reply(ByteString.copyFromUtf8(Integer.toString(seen + 1)));
              return counting(seen + 1);
            }
          }
        });
  }
}
