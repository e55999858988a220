package io.meshwork.node.transport;

import com.typesafe.config.Config;
import java.util.concurrent.ThreadFactory;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;

/**
 * Makes an {@link EventLoopGroup} the executor of a Pekko dispatcher:
 *
 * <pre>
 * my-dispatcher {
 *   type = Dispatcher
 *   executor = "io.meshwork.node.transport.EventLoopExecutorConfigurator"
 *   event-loops = 0   # 0: one per available processor
 * }
 * </pre>
 */
public final class EventLoopExecutorConfigurator extends ExecutorServiceConfigurator {
  private final int loops;

  public EventLoopExecutorConfigurator(Config config, DispatcherPrerequisites prerequisites) {
    super(config, prerequisites);
    int configured = config.hasPath("event-loops") ? config.getInt("event-loops") : 0;
    if (configured < 0) {
      throw new IllegalArgumentException(
          config.getString("id") + ".event-loops: " + configured + " (expected: >= 0)");
    }
    this.loops = configured == 0 ? Runtime.getRuntime().availableProcessors() : configured;
  }

  @Override
  public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
    return () -> new EventLoopGroup(loops, threadFactory);
  }
}
