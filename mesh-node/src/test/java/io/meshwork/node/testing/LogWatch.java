package io.meshwork.node.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/** Counts what the node logs while the fuzzer runs: warnings, and errors or stack traces. */
public final class LogWatch extends AppenderBase<ILoggingEvent> {
  public final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
  public final AtomicLong warnings = new AtomicLong();

  public void attach() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    setContext(context);
    setName("fuzz-log-watch");
    super.start();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(this);
  }

  public void detach() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(this);
    stop();
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (event.getLevel().isGreaterOrEqual(Level.ERROR) || event.getThrowableProxy() != null) {
      problems.add(event.getLevel() + " " + event.getLoggerName() + ": " + event.getFormattedMessage());
    } else if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
      warnings.incrementAndGet();
    }
  }
}
