package io.meshwork.services.hash;

import io.meshwork.protocol.services.v1.DigestReply;
import io.meshwork.protocol.services.v1.Pbkdf2Request;
import io.meshwork.protocol.services.v1.Sha256Request;
import io.meshwork.service.MeshService;
import io.meshwork.service.ServiceDefinition;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * {@code hash}: digests and key derivation, the kind of CPU-heavy work that must not run on the
 * node's event loops, so the service is declared {@link ServiceDefinition.Builder#blocking()
 * blocking}. Two methods ({@code meshwork/services/v1/hash.proto}):
 *
 * <ul>
 *   <li>{@code sha256}: {@code Sha256Request} to the SHA-256 digest of its data;
 *   <li>{@code pbkdf2}: {@code Pbkdf2Request} to the PBKDF2-HMAC-SHA256 key of its password and
 *       salt, over the password's exact bytes. Password at most 1 KiB, salt at least 8 bytes,
 *       iterations 1 to {@code meshwork.hash.max-iterations} (1,000,000 by default) and required, key_bytes 1 to 64 (0: 32); anything else is
 *       answered {@code BAD_REQUEST} naming the field, its value and the allowed range.
 * </ul>
 *
 * Both answer a {@code DigestReply}.
 */
public final class HashService implements MeshService {
  public static final String NAME = "hash";

  @Override
  public ServiceDefinition<?> definition() {
    return ServiceDefinition.<Hasher.Command>builder(NAME)
        .unary("sha256", Sha256Request.getDefaultInstance(), DigestReply.getDefaultInstance(), Hasher.Sha256::new)
        .unary("pbkdf2", Pbkdf2Request.getDefaultInstance(), DigestReply.getDefaultInstance(), Hasher.Pbkdf2::new)
        .behavior(
            context ->
                Behaviors.setup(
                    ctx -> Hasher.create(HashSettings.fromConfig(ctx.getSystem().settings().config()))))
        .blocking()
        .build();
  }
}
