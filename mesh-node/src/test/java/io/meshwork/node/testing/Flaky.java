package io.meshwork.node.testing;

import com.google.protobuf.ByteString;
import io.meshwork.service.Call;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceDefinition;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** The service "flaky", in two builds: one that answers at once and one that never answers. */
public final class Flaky {
  private Flaky() {}

  /** Answers every call with an empty payload. */
  public static final class Answering implements MeshService {
    @Override
    public ServiceDefinition<?> definition() {
      return ServiceDefinition.<Call<ByteString, ByteString>>builder("flaky")
          .anyMethod(call -> call)
          .behavior(
              ctx ->
                  Behaviors.receiveMessage(
                      call -> {
                        call.reply(ByteString.EMPTY);
                        return Behaviors.same();
                      }))
          .build();
    }
  }

  /** Never answers: its calls end at their deadline. */
  public static final class Stuck implements MeshService {
    @Override
    public ServiceDefinition<?> definition() {
      return ServiceDefinition.<Call<ByteString, ByteString>>builder("flaky")
          .anyMethod(call -> call)
          .behavior(ctx -> Behaviors.receiveMessage(call -> Behaviors.same()))
          .build();
    }
  }
}
