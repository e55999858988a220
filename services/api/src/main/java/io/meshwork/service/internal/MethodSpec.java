package io.meshwork.service.internal;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import io.meshwork.service.Call;
import io.meshwork.service.StreamCall;
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
  private final Function<StreamCall<Req, Rep>, ? extends C> toStreamCommand;
  private final Descriptors.Descriptor requestType;
  private final Descriptors.Descriptor replyType;

  public MethodSpec(
      String name,
      PayloadDecoder<Req> decoder,
      Function<? super Rep, ByteString> encoder,
      Function<Call<Req, Rep>, ? extends C> toCommand) {
    this(name, decoder, encoder, toCommand, null, null);
  }

  /** With the request and reply message types published in the service's contract (or null). */
  public MethodSpec(
      String name,
      PayloadDecoder<Req> decoder,
      Function<? super Rep, ByteString> encoder,
      Function<Call<Req, Rep>, ? extends C> toCommand,
      Descriptors.Descriptor requestType,
      Descriptors.Descriptor replyType) {
    this(name, decoder, encoder, requireNonNull(toCommand, "toCommand"), null, requestType, replyType);
  }

  private MethodSpec(
      String name,
      PayloadDecoder<Req> decoder,
      Function<? super Rep, ByteString> encoder,
      Function<Call<Req, Rep>, ? extends C> toCommand,
      Function<StreamCall<Req, Rep>, ? extends C> toStreamCommand,
      Descriptors.Descriptor requestType,
      Descriptors.Descriptor replyType) {
    this.name = requireNonNull(name, "name");
    this.decoder = requireNonNull(decoder, "decoder");
    this.encoder = requireNonNull(encoder, "encoder");
    this.toCommand = toCommand;
    this.toStreamCommand = toStreamCommand;
    this.requestType = requestType;
    this.replyType = replyType;
  }

  /** A streaming method: any number of items, then one end (see {@link StreamCall}). */
  public static <Req, Rep, C> MethodSpec<Req, Rep, C> streaming(
      String name,
      PayloadDecoder<Req> decoder,
      Function<? super Rep, ByteString> encoder,
      Function<StreamCall<Req, Rep>, ? extends C> toCommand,
      Descriptors.Descriptor requestType,
      Descriptors.Descriptor itemType) {
    return new MethodSpec<>(
        name, decoder, encoder, null, requireNonNull(toCommand, "toCommand"), requestType, itemType);
  }

  /** True for a streaming method. */
  public boolean streaming() {
    return toStreamCommand != null;
  }

  public String name() {
    return name;
  }

  /** The request message type, or null when the method was declared without it. */
  public Descriptors.Descriptor requestType() {
    return requestType;
  }

  /** The reply message type, or null when the method was declared without it. */
  public Descriptors.Descriptor replyType() {
    return replyType;
  }

  /**
   * Decodes {@code call}'s payload and wraps it as a {@link Call} and then a command.
   *
   * @throws InvalidProtocolBufferException when the payload is not a valid request
   */
  C toCommand(ServiceCall call, ReplySink sink, StreamRegistry streams, HeldCalls held)
      throws InvalidProtocolBufferException {
    Req request = decoder.decode(call.payload());
    if (toStreamCommand != null) {
      StreamCall<Req, Rep> stream =
          new StreamCall<>(
              call.callId(),
              call.method(),
              request,
              call.headers(),
              call.replyTo(),
              sink,
              encoder,
              streams::ended);
      streams.opened(stream);
      return toStreamCommand.apply(stream);
    }
    Call<Req, Rep> typed =
        new Call<>(
            call.callId(),
            call.method(),
            request,
            call.headers(),
            call.deadlineNanos(),
            call.replyTo(),
            sink,
            encoder,
            held);
    return toCommand.apply(typed);
  }
}
