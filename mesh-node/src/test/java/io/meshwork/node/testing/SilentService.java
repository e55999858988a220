package io.meshwork.node.testing;

import com.google.protobuf.ByteString;
import io.meshwork.service.Call;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceDefinition;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** A service that accepts every call and never answers: only the deadline ends its calls. */
public final class SilentService implements MeshService {
  @Override
  public ServiceDefinition<?> definition() {
    return ServiceDefinition.<Call<ByteString, ByteString>>builder("silent")
        .anyMethod(call -> call)
        .behavior(ctx -> Behaviors.receiveMessage(call -> Behaviors.same()))
        .build();
  }
}
