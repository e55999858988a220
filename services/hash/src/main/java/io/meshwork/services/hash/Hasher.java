package io.meshwork.services.hash;

import com.google.protobuf.ByteString;
import io.meshwork.protocol.services.v1.DigestReply;
import io.meshwork.protocol.services.v1.Pbkdf2Request;
import io.meshwork.protocol.services.v1.Sha256Request;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.Call;
import io.meshwork.service.ServiceException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One instance of the {@code hash} service. It computes on the thread it runs on, one call at a
 * time, so it must run on a dispatcher that may be kept busy: {@link HashService} declares it
 * blocking.
 *
 * <p>Calls wait for each other's work, so a call may expire while it waits: its caller has then
 * already been answered {@code DEADLINE_EXCEEDED}, and the call is skipped rather than computed for
 * nobody. A key derivation also stops at its caller's deadline, and its iterations are capped
 * ({@link HashSettings#maxIterations}), so no request costs more than its caller waits for.
 */
final class Hasher extends AbstractBehavior<Hasher.Command> {

  /** The service's calls, one command per method. */
  sealed interface Command permits Sha256, Pbkdf2 {}

  record Sha256(Call<Sha256Request, DigestReply> call) implements Command {}

  record Pbkdf2(Call<Pbkdf2Request, DigestReply> call) implements Command {}

  static final int MAX_PASSWORD_BYTES = 1024;
  static final int MIN_SALT_BYTES = 8;
  static final int MAX_KEY_BYTES = 64;
  static final int DEFAULT_KEY_BYTES = 32;

  private final MessageDigest sha256;
  private final Pbkdf2HmacSha256 pbkdf2 = new Pbkdf2HmacSha256();
  private final HashSettings settings;

  static Behavior<Command> create(HashSettings settings) {
    return Behaviors.setup(ctx -> new Hasher(ctx, settings));
  }

  private Hasher(ActorContext<Command> context, HashSettings settings) {
    super(context);
    this.settings = settings;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      // Every Java SE platform must provide SHA-256.
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Sha256.class, this::onSha256)
        .onMessage(Pbkdf2.class, this::onPbkdf2)
        .build();
  }

  private Behavior<Command> onSha256(Sha256 command) {
    Call<Sha256Request, DigestReply> call = command.call();
    if (call.isExpired()) {
      return this;
    }
    // The data may be a slice of a large read: digest it in place rather than copying it.
    for (ByteBuffer part : call.request().getData().asReadOnlyByteBufferList()) {
      sha256.update(part);
    }
    call.reply(digestReply(sha256.digest()));
    return this;
  }

  private Behavior<Command> onPbkdf2(Pbkdf2 command) {
    Call<Pbkdf2Request, DigestReply> call = command.call();
    if (call.isExpired()) {
      return this;
    }
    Pbkdf2Request request = call.request();
    int keyBytes = checkPbkdf2(request, settings.maxIterations());
    // The caller's deadline is the call's time budget: past it, the work stops (the caller has
    // been answered DEADLINE_EXCEEDED), so a costly request cannot hold the instance for longer.
    byte[] key =
        pbkdf2.derive(
            request.getPassword().toByteArray(),
            request.getSalt().toByteArray(),
            request.getIterations(),
            keyBytes,
            call.deadlineNanos());
    if (key != null) {
      call.reply(digestReply(key));
    }
    return this;
  }

  /**
   * Checks a request against the limits, in field order, and returns the key length to derive.
   *
   * @throws ServiceException {@code BAD_REQUEST} naming the first field out of range
   */
  private static int checkPbkdf2(Pbkdf2Request request, int maxIterations) {
    int password = request.getPassword().size();
    if (password > MAX_PASSWORD_BYTES) {
      throw badRequest(
          "password: " + password + " bytes (expected: at most " + MAX_PASSWORD_BYTES + ")");
    }
    int salt = request.getSalt().size();
    if (salt < MIN_SALT_BYTES) {
      throw badRequest("salt: " + salt + " bytes (expected: at least " + MIN_SALT_BYTES + ")");
    }
    // uint32 fields arrive as Java ints: read them unsigned, so 4294967295 is not -1.
    long iterations = Integer.toUnsignedLong(request.getIterations());
    if (iterations < 1 || iterations > maxIterations) {
      throw badRequest(
          "iterations: "
              + iterations
              + " (expected: 1 to "
              + maxIterations
              + ", the node's "
              + HashSettings.MAX_ITERATIONS_KEY
              + ")");
    }
    long keyBytes = Integer.toUnsignedLong(request.getKeyBytes());
    if (keyBytes > MAX_KEY_BYTES) {
      throw badRequest(
          "key_bytes: "
              + keyBytes
              + " (expected: 1 to "
              + MAX_KEY_BYTES
              + ", or 0 for "
              + DEFAULT_KEY_BYTES
              + ")");
    }
    return keyBytes == 0 ? DEFAULT_KEY_BYTES : (int) keyBytes;
  }

  private static ServiceException badRequest(String message) {
    return new ServiceException(Status.BAD_REQUEST, "pbkdf2: " + message);
  }

  private static DigestReply digestReply(byte[] digest) {
    return DigestReply.newBuilder().setDigest(ByteString.copyFrom(digest)).build();
  }
}
