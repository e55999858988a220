package io.meshwork.service.internal;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.service.Call;
import java.util.function.Function;

/**
 * One method of a service: how to decode its request, encode its reply, and turn a call into the
 * service behaviour's command. Built by {@link io.meshwork.service.ServiceDefinition.Builder}.
 */
public final class MethodSpec<Req, Rep, C> {
  private final String name;
  private final PayloadDecoder<Req> decoder;
  private final Function<? super Rep, ByteString> encoder;
  private final Function<Call<Req, Rep>, ? extends C> toCommand;

  public MethodSpec(
      String name,
      PayloadDecoder<Req> decoder,
      Function<? super Rep, ByteString> encoder,
      Function<Call<Req, Rep>, ? extends C> toCommand) {
    this.name = requireNonNull(name, "name");
    this.decoder = requireNonNull(decoder, "decoder");
    this.encoder = requireNonNull(encoder, "encoder");
    this.toCommand = requireNonNull(toCommand, "toCommand");
  }

  public String name() {
    return name;
  }

  /**
   * Decodes {@code call}'s payload and wraps it as a {@link Call} and then a command.
   *
   * @throws InvalidProtocolBufferException when the payload is not a valid request
   */
  C toCommand(ServiceCall call, ReplySink sink) throws InvalidProtocolBufferException {
    Req request = decoder.decode(call.payload());
    Call<Req, Rep> typed =
        new Call<>(
            call.callId(),
            call.method(),
            request,
            call.headers(),
            call.deadlineNanos(),
            call.replyTo(),
            sink,
            encoder);
    return toCommand.apply(typed);
  }
}
