package io.meshwork.service;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.meshwork.service.internal.MethodSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.Behavior;

/**
 * Everything the runtime needs to host a service: its name, its methods with their request and
 * reply types, and its behaviour, a typed actor whose commands are built from calls.
 *
 * <pre>{@code
 * ServiceDefinition.<KvActor.Command>builder("kv")
 *     .unary("get", GetRequest.parser(), KvActor.Get::new)   // record Get(Call<GetRequest, GetReply> call)
 *     .unary("put", PutRequest.parser(), KvActor.Put::new)
 *     .behavior(KvActor::create)
 *     .build();
 * }</pre>
 *
 * <p>The runtime decodes each request with the method's parser ({@code BAD_REQUEST} when that
 * fails or the method is unknown), drops calls whose deadline has already passed, hands the
 * command to the behaviour, encodes the reply, and turns exceptions into statuses: a {@link
 * ServiceException} into its status, anything else into {@code INTERNAL} plus an actor restart.
 *
 * @param <C> the behaviour's command type
 */
public final class ServiceDefinition<C> {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,62}");

  private final String name;
  private final Map<String, MethodSpec<?, ?, C>> methods;
  private final MethodSpec<ByteString, ByteString, C> anyMethod;
  private final Function<ServiceContext, Behavior<C>> behaviorFactory;
  private final boolean blocking;

  private ServiceDefinition(Builder<C> builder) {
    this.name = builder.name;
    this.methods = Collections.unmodifiableMap(new LinkedHashMap<>(builder.methods));
    this.anyMethod = builder.anyMethod;
    this.behaviorFactory = builder.behaviorFactory;
    this.blocking = builder.blocking;
  }

  /** Starts a definition of the service {@code name} (lower case letters, digits, '-', '_', '.'). */
  public static <C> Builder<C> builder(String name) {
    return new Builder<>(name);
  }

  public String name() {
    return name;
  }

  /** Declared methods by name, in declaration order. */
  public Map<String, MethodSpec<?, ?, C>> methods() {
    return methods;
  }

  /**
   * The method that serves a call to {@code method}: the declared one; for an empty name, the only
   * declared method of a single-method service; otherwise the raw catch-all, if any; else null.
   */
  public MethodSpec<?, ?, C> resolve(String method) {
    MethodSpec<?, ?, C> spec = methods.get(method);
    if (spec != null) {
      return spec;
    }
    if (method.isEmpty() && methods.size() == 1) {
      return methods.values().iterator().next();
    }
    return anyMethod;
  }

  /** The service's methods and their message types, for discovery at run time. */
  public ServiceContract contract() {
    List<ServiceContract.Method> list = new ArrayList<>();
    for (MethodSpec<?, ?, C> spec : methods.values()) {
      list.add(
          new ServiceContract.Method(
              spec.name(), spec.requestType(), spec.replyType(), spec.streaming()));
    }
    return new ServiceContract(name, list, anyMethod != null);
  }

  /** Creates the behaviour of one instance of this service. */
  public Behavior<C> createBehavior(ServiceContext context) {
    return requireNonNull(behaviorFactory.apply(context), "behavior factory returned null");
  }

  /**
   * True when the service declared {@link Builder#blocking()}: it does CPU-heavy or blocking work,
   * so the node hosts it on a dispatcher of its own rather than on the event loops.
   */
  public boolean blocking() {
    return blocking;
  }

  /** Builds a {@link ServiceDefinition}. */
  public static final class Builder<C> {
    private final String name;
    private final Map<String, MethodSpec<?, ?, C>> methods = new LinkedHashMap<>();
    private MethodSpec<ByteString, ByteString, C> anyMethod;
    private Function<ServiceContext, Behavior<C>> behaviorFactory;
    private boolean blocking;

    private Builder(String name) {
      requireNonNull(name, "name");
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "service name: \""
                + name
                + "\" (expected: 1-63 of a-z 0-9 _ . -, starting with a letter or digit)");
      }
      this.name = name;
    }

    /**
     * Declares a method taking one protobuf request and answering with one protobuf reply.
     *
     * @param method the method name
     * @param requestParser parses the request payload, e.g. {@code GetRequest.parser()}
     * @param toCommand turns a call into the behaviour's command, e.g. {@code Get::new}
     */
    public <Req, Rep extends MessageLite> Builder<C> unary(
        String method, Parser<Req> requestParser, Function<Call<Req, Rep>, ? extends C> toCommand) {
      requireNonNull(requestParser, "requestParser");
      return declare(
          new MethodSpec<Req, Rep, C>(
              requireNonNull(method, "method"),
              requestParser::parseFrom,
              MessageLite::toByteString,
              requireNonNull(toCommand, "toCommand")));
    }

    private Builder<C> declare(MethodSpec<?, ?, C> spec) {
      String method = spec.name();
      if (method.isEmpty()) {
        throw new IllegalArgumentException("method: \"\" (expected: a non-empty name)");
      }
      if (methods.containsKey(method)) {
        throw new IllegalArgumentException(
            "method: \"" + method + "\" (expected: declared once in service " + name + ")");
      }
      methods.put(method, spec);
      return this;
    }

    /**
     * Declares a method taking one protobuf request and answering with one protobuf reply, and
     * publishes both message types in the service's {@link ServiceContract} (and so on the
     * management API's {@code GET /services/{name}}), for clients that discover the contract at
     * run time.
     *
     * <pre>{@code
     * .unary("get", GetRequest.getDefaultInstance(), GetReply.getDefaultInstance(), Get::new)
     * }</pre>
     *
     * @param method the method name
     * @param requestType the request message's default instance
     * @param replyType the reply message's default instance
     * @param toCommand turns a call into the behaviour's command
     */
    public <Req extends Message, Rep extends Message> Builder<C> unary(
        String method, Req requestType, Rep replyType, Function<Call<Req, Rep>, ? extends C> toCommand) {
      requireNonNull(requestType, "requestType");
      requireNonNull(replyType, "replyType");
      @SuppressWarnings("unchecked") // a message's parser parses that message's type
      Parser<Req> parser = (Parser<Req>) requestType.getParserForType();
      return declare(
          new MethodSpec<Req, Rep, C>(
              requireNonNull(method, "method"),
              parser::parseFrom,
              MessageLite::toByteString,
              requireNonNull(toCommand, "toCommand"),
              requestType.getDescriptorForType(),
              replyType.getDescriptorForType()));
    }

    /**
     * Declares a streaming method: one protobuf request, then any number of items of {@code
     * itemType}, each sent with {@link StreamCall#emit}, ended by {@link StreamCall#complete} or
     * {@link StreamCall#fail}. Both types are published in the service's contract.
     *
     * <pre>{@code
     * .streaming("subscribe", SubscribeRequest.getDefaultInstance(), Message.getDefaultInstance(),
     *     Subscribe::new)   // record Subscribe(StreamCall<SubscribeRequest, Message> stream)
     * }</pre>
     */
    public <Req extends Message, Rep extends Message> Builder<C> streaming(
        String method,
        Req requestType,
        Rep itemType,
        Function<StreamCall<Req, Rep>, ? extends C> toCommand) {
      requireNonNull(requestType, "requestType");
      requireNonNull(itemType, "itemType");
      @SuppressWarnings("unchecked") // a message's parser parses that message's type
      Parser<Req> parser = (Parser<Req>) requestType.getParserForType();
      return declare(
          MethodSpec.<Req, Rep, C>streaming(
              requireNonNull(method, "method"),
              parser::parseFrom,
              MessageLite::toByteString,
              requireNonNull(toCommand, "toCommand"),
              requestType.getDescriptorForType(),
              itemType.getDescriptorForType()));
    }

    /**
     * Serves every method that is not declared with raw payload bytes in and out, for services
     * such as {@code echo} or proxies that do not interpret the payload.
     */
    public Builder<C> anyMethod(Function<Call<ByteString, ByteString>, ? extends C> toCommand) {
      requireNonNull(toCommand, "toCommand");
      this.anyMethod = new MethodSpec<>("*", payload -> payload, reply -> reply, toCommand);
      return this;
    }

    /** The behaviour of one service instance; called once per instance (and per restart). */
    public Builder<C> behavior(Function<ServiceContext, Behavior<C>> behaviorFactory) {
      this.behaviorFactory = requireNonNull(behaviorFactory, "behaviorFactory");
      return this;
    }

    /**
     * Declares that this service does CPU-heavy or blocking work: hashing, compression, blocking
     * IO, a JDBC call, a {@code Thread.sleep}. The node then runs its instances on a bulkhead, a
     * thread pool of their own ({@code meshwork.blocking-dispatcher} unless {@code
     * meshwork.service-dispatchers} names another), instead of on the event loops that read and
     * answer every connection, so that a busy instance delays only its own calls. The price is a
     * thread hand-off per call each way: a service that answers at once and never blocks should not
     * declare it. Its instance's calls wait in a queue the runtime keeps, bounded and taken in turn
     * per caller (authenticated client, else connection), so that one caller's flood cannot keep
     * the others waiting past their deadlines.
     */
    public Builder<C> blocking() {
      this.blocking = true;
      return this;
    }

    public ServiceDefinition<C> build() {
      if (behaviorFactory == null) {
        throw new IllegalStateException("service " + name + ": behavior(...) is required");
      }
      if (methods.isEmpty() && anyMethod == null) {
        throw new IllegalStateException(
            "service " + name + ": declare at least one method (unary or anyMethod)");
      }
      return new ServiceDefinition<>(this);
    }
  }
}
