package io.meshwork.services.info;

import io.meshwork.protocol.services.v1.InfoReply;
import io.meshwork.protocol.services.v1.InfoRequest;
import io.meshwork.service.Call;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceContext;
import io.meshwork.service.ServiceDefinition;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * {@code info}: tells which node served the call and what that node hosts, which makes routing
 * across the cluster visible. One method, {@code get} (an empty method name also selects it).
 */
public final class InfoService implements MeshService {
  public static final String NAME = "info";

  @Override
  public ServiceDefinition<?> definition() {
    return ServiceDefinition.<Call<InfoRequest, InfoReply>>builder(NAME)
        .unary(
            "get",
            InfoRequest.getDefaultInstance(),
            InfoReply.getDefaultInstance(),
            (Call<InfoRequest, InfoReply> call) -> call)
        .behavior(InfoService::info)
        .build();
  }

  private static Behavior<Call<InfoRequest, InfoReply>> info(ServiceContext context) {
    // The answer never changes for the life of the instance: build it once.
    InfoReply reply =
        InfoReply.newBuilder()
            .setNode(context.nodeAddress())
            .setClientEndpoint(context.clientEndpoint())
            .addAllHostedServices(context.hostedServices())
            .addAllRoles(new TreeSet<>(context.roles()))
            .build();
    return Behaviors.receiveMessage(
        call -> {
          call.reply(reply);
          return Behaviors.same();
        });
  }
}
