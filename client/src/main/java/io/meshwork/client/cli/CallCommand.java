package io.meshwork.client.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
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
import java.util.concurrent.Callable;
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
          + " mapping: .proto field names, every field, bytes as base64)."
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

  @Option(names = "--raw", description = "Write the payload's raw bytes to stdout.")
  private boolean raw;

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
    if (jsonMethod != null && jsonMethod.streaming()) {
      // The hook for streams: once MeshClient delivers a stream's items, print each one with
      // printPayload(item, jsonMethod) as it arrives, and the final status line at its end.
      throw new MeshctlException(
          ExitCodes.STREAMING_UNSUPPORTED,
          service
              + " "
              + request.method()
              + " streams its reply (kind: stream), and meshctl"
              + " cannot follow streams yet");
    }

    MeshClientOptions options = MeshClientOptions.builder().defaultDeadline(deadline).build();
    Reply reply;
    try (MeshClient client = MeshClient.connect(node, options)) {
      // Always completes: at the latest by the client-side timer, just after the deadline.
      reply = client.call(service, request.method(), request.bytes(), deadline, headers).join();
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

  /** One reply payload (later: one stream item) on stdout, as JSON, raw bytes, text or hex. */
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
