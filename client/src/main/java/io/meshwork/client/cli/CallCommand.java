package io.meshwork.client.cli;

import com.google.protobuf.ByteString;
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
          + " as text when it is printable UTF-8, else as hex."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      " 0:OK",
      " 2:invalid arguments",
      " 3:the node cannot be reached",
      "1x:the call ended with status number x: 11 BAD_REQUEST, 12 NOT_FOUND, 13 UNAVAILABLE,"
          + " 14 DEADLINE_EXCEEDED, 15 OVERLOADED, 16 UNAUTHENTICATED, 17 PERMISSION_DENIED,"
          + " 18 INTERNAL"
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

  /** The request payload: empty unless one of these is given. */
  static final class PayloadSource {
    @Option(names = "--text", paramLabel = "TEXT", description = "The payload, as UTF-8 text.")
    private String text;

    @Option(
        names = "--file",
        paramLabel = "PATH",
        converter = PayloadFileConverter.class,
        description = "Read the payload from a file; - reads stdin.")
    private ByteString file;

    ByteString bytes() {
      return text != null ? ByteString.copyFromUtf8(text) : file;
    }
  }

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    ByteString payload = payloadSource == null ? ByteString.EMPTY : payloadSource.bytes();
    MeshClientOptions options = MeshClientOptions.builder().defaultDeadline(deadline).build();
    Reply reply;
    try (MeshClient client = MeshClient.connect(node, options)) {
      // Always completes: at the latest by the client-side timer, just after the deadline.
      reply = client.call(service, method, payload, deadline, headers).join();
    } catch (ConnectException e) {
      err.println("meshctl: " + e.getMessage());
      err.flush();
      return ExitCodes.UNREACHABLE;
    }
    printReply(reply);
    return ExitCodes.forStatus(reply.getStatusValue());
  }

  private void printReply(Reply reply) throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    err.println(statusLine(reply));
    err.flush();
    if (raw) {
      meshctl.rawOut().write(reply.getPayload().toByteArray());
      meshctl.rawOut().flush();
    } else {
      PrintWriter out = spec.commandLine().getOut();
      out.print(PayloadRenderer.render(service, reply.getPayload()));
      out.flush();
    }
  }

  /** {@code OK}, or {@code STATUS: error}; a status this version does not know shows its number. */
  static String statusLine(Reply reply) {
    Status status = reply.getStatus();
    String name =
        status == Status.UNRECOGNIZED ? "STATUS_" + reply.getStatusValue() : status.name();
    return reply.getError().isEmpty() ? name : name + ": " + reply.getError();
  }
}
