package io.meshwork.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Runs one load: opens every connection, then drives them from {@code threads} selector threads
 * through warm-up, the measured window and a drain, and merges what the threads counted.
 */
final class LoadEngine {
  private static final long CONNECT_STALL_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final int MAX_ERROR_SAMPLES = 5;

  private LoadEngine() {}

  /** Runs {@code settings}; error messages (the first few) go to {@code log}. */
  static LoadResult run(LoadSettings settings, PrintStream log) throws IOException {
    byte[] payload = new byte[settings.payloadBytes()];
    new Random(42).nextBytes(payload);
    RequestFrameEncoder encoder = new RequestFrameEncoder(settings.service(), payload);
    ErrorLog errorLog = new ErrorLog(log, MAX_ERROR_SAMPLES);

    List<LoadConnection> all = new ArrayList<>(settings.connections());
    List<Selector> selectors = new ArrayList<>();
    try {
      connectAll(settings, encoder, all);
      List<List<LoadConnection>> shares = new ArrayList<>();
      for (int t = 0; t < settings.threads(); t++) {
        selectors.add(Selector.open());
        shares.add(new ArrayList<>());
      }
      for (LoadConnection connection : all) {
        int t = connection.index % settings.threads();
        connection.key =
            connection.channel.register(selectors.get(t), SelectionKey.OP_READ, connection);
        shares.get(t).add(connection);
      }

      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
      long measureStart = start + settings.warmup().toNanos();
      long measureEnd = measureStart + settings.duration().toNanos();
      LoadWorker.Schedule schedule =
          new LoadWorker.Schedule(
              start, measureStart, measureEnd, measureEnd + settings.drainTimeout().toNanos());
      List<LoadWorker> workers = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < settings.threads(); t++) {
        LoadWorker worker =
            new LoadWorker(
                t,
                settings.threads(),
                selectors.get(t),
                shares.get(t),
                settings,
                encoder,
                payload,
                schedule,
                errorLog);
        workers.add(worker);
        Thread thread = new Thread(worker, "load-selector-" + t);
        threads.add(thread);
        thread.start();
      }
      for (Thread thread : threads) {
        thread.join();
      }

      long completed = 0;
      long errors = 0;
      long cpuNanos = 0;
      Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
      for (LoadWorker worker : workers) {
        LoadWorker.Outcome outcome = worker.outcome();
        completed += outcome.completed();
        errors += outcome.errors();
        cpuNanos += outcome.cpuNanos();
        latency.add(outcome.latencyMicros());
      }
      return new LoadResult(
          completed, errors, latency, settings.duration().toNanos(), cpuNanos, errorLog.samples());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } finally {
      for (LoadConnection connection : all) {
        closeQuietly(connection.channel);
      }
      for (Selector selector : selectors) {
        selector.close();
      }
    }
  }

  /**
   * Opens {@code settings.connections()} connections with at most {@code connectWindow} connects in
   * progress at once, so that a burst of thousands of SYNs does not overflow the server's accept
   * backlog. Fails if any connect fails or nothing progresses for 10 s.
   */
  private static void connectAll(
      LoadSettings settings, RequestFrameEncoder encoder, List<LoadConnection> connected)
      throws IOException {
    InetSocketAddress address = new InetSocketAddress(settings.host(), settings.port());
    if (address.isUnresolved()) {
      throw new IOException("cannot resolve host " + settings.host());
    }
    int replyFrameBytes = settings.payloadBytes() + 32;
    int inFlightGuess = settings.openLoop() ? 4 : settings.depth();
    int inBytes = clamp(replyFrameBytes * inFlightGuess, 512, 1 << 20);
    int outBytes = clamp(encoder.maxFrameBytes() * inFlightGuess, 256, 1 << 20);

    try (Selector selector = Selector.open()) {
      int opened = 0;
      int pending = 0;
      long lastProgress = System.nanoTime();
      while (connected.size() < settings.connections()) {
        while (opened < settings.connections() && pending < settings.connectWindow()) {
          SocketChannel channel = SocketChannel.open();
          LoadConnection connection = null;
          try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            connection = new LoadConnection(opened, channel, inBytes, outBytes, inFlightGuess);
            if (channel.connect(address)) {
              connected.add(connection);
            } else {
              channel.register(selector, SelectionKey.OP_CONNECT, connection);
              pending++;
            }
          } catch (IOException e) {
            closeQuietly(channel);
            throw connectFailed(address, opened, settings, e);
          }
          opened++;
        }
        if (pending == 0) {
          continue;
        }
        selector.select(100);
        for (SelectionKey key : selector.selectedKeys()) {
          LoadConnection connection = (LoadConnection) key.attachment();
          try {
            if (connection.channel.finishConnect()) {
              key.cancel();
              pending--;
              connected.add(connection);
              lastProgress = System.nanoTime();
            }
          } catch (IOException e) {
            closeQuietly(connection.channel);
            throw connectFailed(address, connection.index, settings, e);
          }
        }
        selector.selectedKeys().clear();
        if (System.nanoTime() - lastProgress > CONNECT_STALL_NANOS) {
          throw new IOException(
              String.format(
                  "connecting to %s stalled: %d of %d connected, %d connects pending for 10 s",
                  address, connected.size(), settings.connections(), pending));
        }
      }
      // Deregisters the cancelled keys before the channels move to the workers' selectors.
      selector.selectNow();
    } catch (IOException e) {
      for (LoadConnection connection : connected) {
        closeQuietly(connection.channel);
      }
      connected.clear();
      throw e;
    }
  }

  private static IOException connectFailed(
      InetSocketAddress address, int index, LoadSettings settings, IOException cause) {
    return new IOException(
        String.format(
            "connection %d of %d to %s failed: %s",
            index + 1, settings.connections(), address, cause),
        cause);
  }

  private static int clamp(int value, int min, int max) {
    return Math.max(min, Math.min(max, value));
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // Best effort while giving up.
    }
  }
}
