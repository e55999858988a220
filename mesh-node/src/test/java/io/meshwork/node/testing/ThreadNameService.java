package io.meshwork.node.testing;

import com.google.protobuf.ByteString;
import io.meshwork.service.Call;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceDefinition;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** Answers every call with the name of the thread its instance runs on. */
public class ThreadNameService implements MeshService {
  private final String name;
  private final boolean blocking;

  /** {@code thread}, an ordinary service. */
  public ThreadNameService() {
    this("thread", false);
  }

  private ThreadNameService(String name, boolean blocking) {
    this.name = name;
    this.blocking = blocking;
  }

  /** {@code thread-blocking}, the same declared {@code blocking()}. */
  public static final class Blocking extends ThreadNameService {
    public Blocking() {
      super("thread-blocking", true);
    }
  }

  @Override
  public ServiceDefinition<?> definition() {
    ServiceDefinition.Builder<Call<ByteString, ByteString>> builder =
        ServiceDefinition.<Call<ByteString, ByteString>>builder(name)
            .anyMethod(call -> call)
            .behavior(
                ctx ->
                    Behaviors.receiveMessage(
                        call -> {
                          call.reply(ByteString.copyFromUtf8(Thread.currentThread().getName()));
                          return Behaviors.same();
                        }));
    return blocking ? builder.blocking().build() : builder.build();
  }
}
