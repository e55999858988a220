package io.meshwork.client;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * Writes frames to the socket on its own thread. Frames are buffered and flushed only when the
 * queue runs dry, so a burst of pipelined calls becomes a few large TCP writes, and callers never
 * wait for the network.
 */
final class FrameWriter {
  private static final int BUFFER_BYTES = 64 * 1024;

  /** Queued by {@link #stop()}; compared by identity. */
  private static final byte[] STOP = new byte[0];

  private final BlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
  private final OutputStream out;
  private final Consumer<IOException> onFailure;
  private final Thread thread;
  private volatile boolean stopped;

  /**
   * @param onFailure told when a write fails (not when it fails because of {@link #stop()})
   */
  FrameWriter(OutputStream socketOut, String threadName, Consumer<IOException> onFailure) {
    this.out = new BufferedOutputStream(socketOut, BUFFER_BYTES);
    this.onFailure = onFailure;
    this.thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Queues a complete frame; dropped once stopped (the connection fails its call then). */
  void enqueue(byte[] frame) {
    if (!stopped) {
      queue.add(frame);
    }
  }

  /** Makes the thread exit after the frames queued so far; it does not wait for that. */
  void stop() {
    stopped = true;
    queue.add(STOP);
  }

  Thread thread() {
    return thread;
  }

  private void run() {
    try {
      while (true) {
        byte[] frame = queue.take();
        for (; frame != null; frame = queue.poll()) {
          if (frame == STOP) {
            return;
          }
          out.write(frame);
        }
        out.flush();
      }
    } catch (IOException e) {
      if (!stopped) {
        onFailure.accept(e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
