package io.meshwork.protocol.conformance;

import io.meshwork.protocol.conformance.v1.Case;
import io.meshwork.protocol.conformance.v1.Expect;
import io.meshwork.protocol.conformance.v1.ExpectedReply;
import io.meshwork.protocol.conformance.v1.Frame;
import io.meshwork.protocol.conformance.v1.Send;
import io.meshwork.protocol.conformance.v1.Step;
import io.meshwork.protocol.v1.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/** Runs one case's steps on a connection of its own. */
final class CaseExecution {
  static final int DEFAULT_TIMEOUT_MS = 10_000;
  private static final int CONNECT_TIMEOUT_MS = 5_000;

  /** A step did not go as the case expects. */
  static final class StepFailed extends Exception {
    private static final long serialVersionUID = 1L;

    StepFailed(String message) {
      super(message);
    }
  }

  private final Case testCase;
  private final InetSocketAddress node;

  CaseExecution(Case testCase, InetSocketAddress node) {
    this.testCase = testCase;
    this.node = node;
  }

  /** Runs every step; throws {@link StepFailed} naming the step that failed. */
  void run() throws StepFailed, IOException, InterruptedException {
    try (Socket socket = new Socket()) {
      socket.setTcpNoDelay(true);
      socket.connect(node, CONNECT_TIMEOUT_MS);
      ReplyReader reader = new ReplyReader(socket);
      OutputStream out = socket.getOutputStream();
      List<Step> steps = testCase.getStepsList();
      for (int i = 0; i < steps.size(); i++) {
        Step step = steps.get(i);
        try {
          switch (step.getKindCase()) {
            case SEND -> send(out, step.getSend());
            case EXPECT -> expect(reader, step.getExpect());
            case EXPECT_CLOSE -> expectClose(reader, step.getExpectClose().getTimeoutMs());
            case EXPECT_SILENCE -> expectSilence(reader, step.getExpectSilence().getMs());
            case PAUSE -> Thread.sleep(step.getPause().getMs());
            case KIND_NOT_SET -> throw new StepFailed("empty step (expected one of its kinds)");
          }
        } catch (StepFailed e) {
          throw new StepFailed("step " + (i + 1) + " (" + kind(step) + "): " + e.getMessage());
        } catch (IOException | RuntimeException e) {
          throw new StepFailed("step " + (i + 1) + " (" + kind(step) + "): " + e);
        }
      }
    }
  }

  private static String kind(Step step) {
    return step.getKindCase().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static void send(OutputStream out, Send send) throws IOException, InterruptedException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    for (Frame frame : send.getFramesList()) {
      buffer.writeBytes(RequestFrames.bytes(frame));
    }
    byte[] bytes = buffer.toByteArray();
    List<Integer> pieces = new ArrayList<>(send.getChunksList());
    if (pieces.isEmpty() && send.getChunkSize() > 0) {
      for (int left = bytes.length; left > 0; left -= send.getChunkSize()) {
        pieces.add(Math.min(left, send.getChunkSize()));
      }
    }
    int pos = 0;
    for (int i = 0; pos < bytes.length; i++) {
      int size = i < pieces.size() ? Math.min(pieces.get(i), bytes.length - pos) : bytes.length - pos;
      if (i > 0 && send.getPauseMs() > 0) {
        Thread.sleep(send.getPauseMs());
      }
      out.write(bytes, pos, size);
      out.flush();
      pos += size;
    }
  }

  private static void expect(ReplyReader reader, Expect expect) throws StepFailed, IOException {
    int timeoutMs = expect.getTimeoutMs() == 0 ? DEFAULT_TIMEOUT_MS : expect.getTimeoutMs();
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    List<ExpectedReply> pending = new ArrayList<>(expect.getRepliesList());
    int received = 0;
    while (!pending.isEmpty()) {
      ReplyReader.Event event = reader.next(deadline);
      if (event instanceof ReplyReader.Timeout) {
        throw new StepFailed(
            "no reply within "
                + timeoutMs
                + " ms; still waiting for "
                + describeAll(pending)
                + " after "
                + received
                + " replies");
      }
      if (event instanceof ReplyReader.Closed closed) {
        throw new StepFailed(
            closed.detail() + " while waiting for " + describeAll(pending) + " after " + received + " replies");
      }
      Reply reply = ((ReplyReader.Frame) event).reply();
      received++;
      if (expect.getAnyOrder()) {
        int match = -1;
        for (int i = 0; i < pending.size() && match < 0; i++) {
          if (ReplyMatcher.mismatch(pending.get(i), reply) == null) {
            match = i;
          }
        }
        if (match < 0) {
          throw new StepFailed(
              "reply "
                  + ReplyMatcher.describe(reply)
                  + " matches none of the expected "
                  + describeAll(pending));
        }
        pending.remove(match);
      } else {
        String mismatch = ReplyMatcher.mismatch(pending.get(0), reply);
        if (mismatch != null) {
          throw new StepFailed(
              "reply " + received + " of " + expect.getRepliesCount() + ": " + mismatch);
        }
        pending.remove(0);
      }
    }
  }

  private static void expectClose(ReplyReader reader, int timeoutMs) throws StepFailed, IOException {
    int ms = timeoutMs == 0 ? DEFAULT_TIMEOUT_MS : timeoutMs;
    ReplyReader.Event event = reader.next(System.nanoTime() + ms * 1_000_000L);
    if (event instanceof ReplyReader.Frame frame) {
      throw new StepFailed(
          "expected the node to close the connection, but it sent "
              + ReplyMatcher.describe(frame.reply()));
    }
    if (event instanceof ReplyReader.Timeout) {
      throw new StepFailed("the connection is still open after " + ms + " ms (expected: closed)");
    }
    ReplyReader.Closed closed = (ReplyReader.Closed) event;
    if (closed.reset()) {
      throw new StepFailed(closed.detail() + " (expected: an orderly close, not a reset)");
    }
  }

  private static void expectSilence(ReplyReader reader, int ms) throws StepFailed, IOException {
    ReplyReader.Event event = reader.next(System.nanoTime() + ms * 1_000_000L);
    if (event instanceof ReplyReader.Frame frame) {
      throw new StepFailed(
          "expected no reply for " + ms + " ms, got " + ReplyMatcher.describe(frame.reply()));
    }
    if (event instanceof ReplyReader.Closed closed) {
      throw new StepFailed(closed.detail() + " (expected: the connection stays open)");
    }
  }

  private static String describeAll(List<ExpectedReply> replies) {
    List<String> parts = new ArrayList<>();
    for (ExpectedReply r : replies) {
      parts.add(ReplyMatcher.describe(r));
    }
    return "[" + String.join(", ", parts) + "]";
  }
}
