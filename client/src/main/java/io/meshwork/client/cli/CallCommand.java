package io.meshwork.client.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.client.MeshCallException;
import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientOptions;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Status;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code meshctl call}: one request, one reply. The status line goes to stderr and the payload to
 * stdout, so that stdout pipes cleanly.
 */
@Command(
    name = "call",
    mixinStandardHelpOptions = true,
    versionProvider = MeshctlVersion.class,
    description = {
      "Calls METHOD of SERVICE through a node and prints the reply.",
      "The status line (OK, or STATUS: reason) goes to stderr; the payload goes to stdout,"
          + " as text when it is printable UTF-8, else as hex.",
      "With --json, meshctl asks the management API for the service's contract, encodes the JSON"
          + " into the method's request type and prints the reply as JSON (protobuf's JSON"
          + " mapping: .proto field names, every field, bytes as base64).",
      "A streaming method (--json with a method the contract marks as a stream, or --stream)"
          + " prints each item as it arrives until the stream ends or Ctrl-C."
    })
final class CallCommand implements Callable<Integer> {
  @ParentCommand private Meshctl meshctl;

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "Target service, e.g. echo.")
  private String service;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "METHOD",
      defaultValue = "",
      description = "Operation within the service; empty by default.")
  private String method;

  @Option(
      names = "--node",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:7700",
      converter = NodeAddressConverter.class,
      description = "The node to talk to (default: ${DEFAULT-VALUE}).")
  private InetSocketAddress node;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  private PayloadSource payloadSource;

  @Option(
      names = "--deadline",
      paramLabel = "DURATION",
      defaultValue = "5s",
      converter = DeadlineConverter.class,
      description = "How long the call may take: 500ms, 5s, 1m (default: ${DEFAULT-VALUE}).")
  private Duration deadline;

  @Option(
      names = "--header",
      paramLabel = "NAME=VALUE",
      description = "A request header; repeatable.")
  private Map<String, String> headers = new LinkedHashMap<>();

  @Mixin private TokenOption token;

  @Option(names = "--raw", description = "Write the payload's raw bytes to stdout.")
  private boolean raw;

  @Option(
      names = "--stream",
      description =
          "Follow a streaming method: print each item as it arrives, until the stream ends or"
              + " Ctrl-C. Implied with --json when the contract says the method streams.")
  private boolean stream;

  @Mixin private ManagementOption management;

  @Mixin private ExitCodeHelp exitCodeHelp;

  @Override
  public Integer call() throws Exception {
    return CommandRunner.run(spec, this::run);
  }

  private int run() throws IOException {
    PayloadSource.Payload request =
        PayloadSource.resolve(payloadSource, service, method, management);
    JsonMethod jsonMethod = request.jsonMethod();
    if (stream || (jsonMethod != null && jsonMethod.streaming())) {
      return follow(request.method(), request.bytes(), jsonMethod);
    }

    MeshClientOptions options = MeshClientOptions.builder().defaultDeadline(deadline).build();
    Reply reply;
    try (MeshClient client = MeshClient.connect(node, options)) {
      // Always completes: at the latest by the client-side timer, just after the deadline.
      reply = client.call(service, request.method(), request.bytes(), deadline, token.apply(headers)).join();
    } catch (ConnectException e) {
      throw new MeshctlException(ExitCodes.UNREACHABLE, e.getMessage());
    }
    PrintWriter err = spec.commandLine().getErr();
    err.println(statusLine(reply));
    err.flush();
    if (reply.getStatusValue() == Status.OK_VALUE || !reply.getPayload().isEmpty()) {
      printPayload(reply.getPayload(), jsonMethod);
    }
    return ExitCodes.forStatus(reply.getStatusValue());
  }

  /**
   * Follows a stream: each item is printed as it arrives (handed over from the stream's thread,
   * so that only this thread writes), then the status line of its end. Ctrl-C ends the process,
   * which closes the stream's connection: the node cancels the call.
   */
  private int follow(String streamMethod, ByteString payload, JsonMethod jsonMethod) throws IOException {
    BlockingQueue<Object> signals = new LinkedBlockingQueue<>();
    Object done = new Object();
    MeshClientOptions options = MeshClientOptions.builder().defaultDeadline(deadline).build();
    try (MeshClient client = MeshClient.connect(node, options)) {
      client
          .stream(service, streamMethod, payload, deadline, token.apply(headers))
          .subscribe(
              new Flow.Subscriber<ByteString>() {
                private Flow.Subscription subscription;

                @Override
                public void onSubscribe(Flow.Subscription s) {
                  subscription = s;
                  s.request(16);
                }

                @Override
                public void onNext(ByteString item) {
                  signals.add(item);
                  subscription.request(1);
                }

                @Override
                public void onError(Throwable failure) {
                  signals.add(failure);
                }

                @Override
                public void onComplete() {
                  signals.add(done);
                }
              });
      PrintWriter err = spec.commandLine().getErr();
      while (true) {
        Object signal;
        try {
          signal = signals.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return ExitCodes.INTERNAL;
        }
        if (signal instanceof ByteString item) {
          printPayload(item, jsonMethod);
          if (!raw && jsonMethod == null) {
            spec.commandLine().getOut().println(); // one item per line for text and hex
            spec.commandLine().getOut().flush();
          }
        } else if (signal == done) {
          err.println("OK");
          err.flush();
          return ExitCodes.OK;
        } else if (signal instanceof MeshCallException failure) {
          err.println(failure.status().name() + ": " + failure.error());
          err.flush();
          return ExitCodes.forStatus(failure.status().getNumber());
        } else {
          throw new MeshctlException(ExitCodes.INTERNAL, "the stream failed: " + signal);
        }
      }
    } catch (ConnectException e) {
      throw new MeshctlException(ExitCodes.UNREACHABLE, e.getMessage());
    }
  }

  /** One reply payload or stream item on stdout, as JSON, raw bytes, text or hex. */
  private void printPayload(ByteString payload, JsonMethod jsonMethod) throws IOException {
    if (raw) {
      meshctl.rawOut().write(payload.toByteArray());
      meshctl.rawOut().flush();
      return;
    }
    String text = null;
    if (jsonMethod != null) {
      try {
        text = jsonMethod.print(payload);
      } catch (InvalidProtocolBufferException e) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(
            "meshctl: the reply is not a valid "
                + jsonMethod.replyType().getFullName()
                + " ("
                + MeshctlException.oneLine(e.getMessage())
                + "); its bytes follow");
        err.flush();
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(text != null ? text : PayloadRenderer.render(service, payload));
    out.flush();
  }

  /** {@code OK}, or {@code STATUS: error}; a status this version does not know shows its number. */
  static String statusLine(Reply reply) {
    Status status = reply.getStatus();
    String name =
        status == Status.UNRECOGNIZED ? "STATUS_" + reply.getStatusValue() : status.name();
    return reply.getError().isEmpty() ? name : name + ": " + reply.getError();
  }
}
