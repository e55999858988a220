package io.meshwork.services.echo;

import com.google.protobuf.ByteString;
import io.meshwork.service.Call;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceDefinition;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** {@code echo}: replies with the request's payload unchanged, byte for byte, for any method. */
public final class EchoService implements MeshService {
  public static final String NAME = "echo";

  @Override
  public ServiceDefinition<?> definition() {
    return ServiceDefinition.<Call<ByteString, ByteString>>builder(NAME)
        .anyMethod(call -> call)
        .behavior(context -> echo())
        .build();
  }

  private static Behavior<Call<ByteString, ByteString>> echo() {
    return Behaviors.receiveMessage(
        call -> {
          call.reply(call.request());
          return Behaviors.same();
        });
  }
}
