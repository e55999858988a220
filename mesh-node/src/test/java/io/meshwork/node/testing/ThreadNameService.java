package io.meshwork.node.testing;

import com.google.protobuf.ByteString;
import io.meshwork.service.Call;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceDefinition;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** Answers every call with the name of the thread its instance runs on. */
public final class ThreadNameService implements MeshService {
  @Override
  public ServiceDefinition<?> definition() {
    return ServiceDefinition.<Call<ByteString, ByteString>>builder("thread")
        .anyMethod(call -> call)
        .behavior(
            ctx ->
                Behaviors.receiveMessage(
                    call -> {
                      call.reply(ByteString.copyFromUtf8(Thread.currentThread().getName()));
                      return Behaviors.same();
                    }))
        .build();
  }
}
