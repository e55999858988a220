package io.meshwork.node.hosting;

import io.meshwork.node.config.NodeSettings;
import io.meshwork.node.routing.ServiceKeys;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceContext;
import io.meshwork.service.ServiceDefinition;
import io.meshwork.service.internal.CallMessage;
import io.meshwork.service.internal.ServiceHost;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * Loads the services a node hosts (by class name, through the SDK's {@link MeshService}
 * interface), spawns one instance of each and registers it with the cluster Receptionist.
 */
public final class ServiceHosting {
  private ServiceHosting() {}

  /**
   * Instantiates every configured service and checks its definition. Fails with a readable message
   * for a missing class, a class that is not a MeshService, or a name that does not match.
   */
  public static Map<String, ServiceDefinition<?>> load(Map<String, String> classesByName) {
    Map<String, ServiceDefinition<?>> definitions = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : classesByName.entrySet()) {
      String name = e.getKey();
      String className = e.getValue();
      MeshService service = instantiate(name, className);
      ServiceDefinition<?> definition = service.definition();
      if (definition == null || !definition.name().equals(name)) {
        throw new IllegalArgumentException(
            "meshwork.service-classes."
                + name
                + ": "
                + className
                + " defines service \""
                + (definition == null ? null : definition.name())
                + "\" (expected: \""
                + name
                + "\")");
      }
      definitions.put(name, definition);
    }
    return definitions;
  }

  /**
   * Spawns and registers one instance of each service as a child of {@code ctx}, on the dispatcher
   * the settings give it ({@link NodeSettings#dispatcherOf}): by default the node's event loops,
   * and the bulkhead for a service that declares {@code blocking()}, whose calls then wait in a fair
   * queue bounded by {@code meshwork.service-queue}.
   */
  public static List<ActorRef<CallMessage>> spawnAll(
      ActorContext<?> ctx,
      Map<String, ServiceDefinition<?>> definitions,
      ServiceContext context,
      NodeSettings settings) {
    List<ActorRef<CallMessage>> refs = new ArrayList<>();
    for (ServiceDefinition<?> definition : definitions.values()) {
      String dispatcher = settings.dispatcherOf(definition.name(), definition.blocking());
      ActorRef<Object> instance =
          ctx.spawn(
              ServiceHost.create(definition, context, settings.serviceQueue()),
              ServiceKeys.actorName(definition.name()),
              DispatcherSelector.fromConfig(dispatcher));
      ActorRef<CallMessage> calls = instance.narrow();
      ctx.getSystem().receptionist().tell(Receptionist.register(ServiceKeys.ALL, calls));
      refs.add(calls);
      ctx.getLog()
          .info(
              "Hosting service {} at {} on dispatcher {}",
              definition.name(),
              instance.path(),
              dispatcher);
    }
    return refs;
  }

  private static MeshService instantiate(String name, String className) {
    String key = "meshwork.service-classes." + name;
    try {
      Class<?> cls = Class.forName(className);
      if (!MeshService.class.isAssignableFrom(cls)) {
        throw new IllegalArgumentException(
            key + ": " + className + " (expected: an implementation of " + MeshService.class.getName() + ")");
      }
      return (MeshService) cls.getDeclaredConstructor().newInstance();
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException(
          key + ": class " + className + " not found (expected: on the node's classpath)", e);
    } catch (NoSuchMethodException | IllegalAccessException e) {
      throw new IllegalArgumentException(
          key + ": " + className + " (expected: a public no-argument constructor)", e);
    } catch (InstantiationException | InvocationTargetException e) {
      throw new IllegalArgumentException(key + ": " + className + " failed to construct: " + e, e);
    }
  }
}
