package io.meshwork.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.meshwork.node.testing.TestNodes;
import io.meshwork.node.testing.WireConnection;
import io.meshwork.protocol.services.v1.DigestReply;
import io.meshwork.protocol.services.v1.Pbkdf2Request;
import io.meshwork.protocol.services.v1.Sha256Request;
import io.meshwork.protocol.v1.Reply;
import io.meshwork.protocol.v1.Request;
import io.meshwork.protocol.v1.Status;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code hash} service on a real node, spoken to over a socket in the raw protocol. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HashServiceTest {
  private static final ByteString SALT = ByteString.copyFromUtf8("NaCl-NaCl");

  private final TestNodes nodes = new TestNodes();
  private InetSocketAddress address;
  private WireConnection connection;
  private long nextId = 1;

  @BeforeAll
  void startNode() {
    MeshNode node = nodes.start("hash", null);
    address = TestNodes.endpoint(node);
    TestNodes.awaitUp(node);
    connection = new WireConnection(address);
  }

  @AfterAll
  void stopNode() {
    connection.close();
    nodes.close();
  }

  private Reply call(String method, ByteString payload) {
    long id = nextId++;
    Reply reply =
        connection.call(
            Request.newBuilder()
                .setId(id)
                .setService("hash")
                .setMethod(method)
                .setPayload(payload)
                .build());
    assertThat(reply.getId()).isEqualTo(id);
    return reply;
  }

  /** The digest of an OK reply; fails the test on any other status. */
  private byte[] digest(String method, MessageLite request) throws InvalidProtocolBufferException {
    Reply reply = call(method, request.toByteString());
    assertThat(reply.getStatus()).as(reply.getError()).isEqualTo(Status.OK);
    return DigestReply.parseFrom(reply.getPayload()).getDigest().toByteArray();
  }

  private static byte[] jdkPbkdf2(String password, ByteString salt, int iterations, int keyBytes)
      throws Exception {
    return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
        .generateSecret(
            new PBEKeySpec(password.toCharArray(), salt.toByteArray(), iterations, keyBytes * 8))
        .getEncoded();
  }

  @Test
  void sha256OfEmptyShortAndNearlyOneMebibyteDataIsTheJdkDigest() throws Exception {
    byte[] large = new byte[1024 * 1024 - 256]; // the request frame stays under the 1 MiB limit
    new Random(3).nextBytes(large);
    for (byte[] data : new byte[][] {new byte[0], "hello".getBytes(UTF_8), large}) {
      byte[] expected = MessageDigest.getInstance("SHA-256").digest(data);
      Sha256Request request = Sha256Request.newBuilder().setData(ByteString.copyFrom(data)).build();
      assertThat(digest("sha256", request)).as("%d bytes", data.length).isEqualTo(expected);
    }
  }

  @Test
  void pbkdf2MatchesThePublishedVectorWithALongSalt() throws Exception {
    // The RFC 6070 inputs whose salt is long enough for the service, with HMAC-SHA256.
    Pbkdf2Request request =
        Pbkdf2Request.newBuilder()
            .setPassword(ByteString.copyFromUtf8("passwordPASSWORDpassword"))
            .setSalt(ByteString.copyFromUtf8("saltSALTsaltSALTsaltSALTsaltSALTsalt"))
            .setIterations(4096)
            .setKeyBytes(40)
            .build();
    assertThat(HexFormat.of().formatHex(digest("pbkdf2", request)))
        .isEqualTo(
            "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1"
                + "c635518c7dac47e9");
  }

  @Test
  void pbkdf2OfATextPasswordIsTheJdkKeyAndKeyBytesZeroMeans32() throws Exception {
    String password = "pässwörd ✓"; // the JDK takes chars and hashes their UTF-8 bytes
    Pbkdf2Request request =
        Pbkdf2Request.newBuilder()
            .setPassword(ByteString.copyFromUtf8(password))
            .setSalt(SALT)
            .setIterations(1000)
            .build();
    assertThat(digest("pbkdf2", request)).isEqualTo(jdkPbkdf2(password, SALT, 1000, 32));
  }

  @Test
  void pbkdf2AcceptsEveryLimitItself() throws Exception {
    String password = "p".repeat(1024);
    ByteString salt = ByteString.copyFromUtf8("8 bytes!");
    Pbkdf2Request.Builder request =
        Pbkdf2Request.newBuilder().setPassword(ByteString.copyFromUtf8(password)).setSalt(salt);
    assertThat(digest("pbkdf2", request.setIterations(1).setKeyBytes(64).build()))
        .isEqualTo(jdkPbkdf2(password, salt, 1, 64));
    assertThat(digest("pbkdf2", request.setIterations(1_000_000).setKeyBytes(1).build()))
        .isEqualTo(jdkPbkdf2(password, salt, 1_000_000, 1));
    assertThat(digest("pbkdf2", request.setPassword(ByteString.EMPTY).setIterations(2).build()))
        .isEqualTo(jdkPbkdf2("", salt, 2, 1));
  }

  static Stream<Arguments> requestsOutOfRange() {
    Pbkdf2Request valid =
        Pbkdf2Request.newBuilder()
            .setPassword(ByteString.copyFromUtf8("secret"))
            .setSalt(SALT)
            .setIterations(10)
            .setKeyBytes(32)
            .build();
    return Stream.of(
        Arguments.of(
            valid.toBuilder().setPassword(ByteString.copyFrom(new byte[1025])).build(),
            "pbkdf2: password: 1025 bytes (expected: at most 1024)"),
        Arguments.of(
            valid.toBuilder().setSalt(ByteString.copyFromUtf8("7 bytes")).build(),
            "pbkdf2: salt: 7 bytes (expected: at least 8)"),
        Arguments.of(
            valid.toBuilder().clearSalt().build(), "pbkdf2: salt: 0 bytes (expected: at least 8)"),
        Arguments.of(
            valid.toBuilder().setIterations(0).build(),
            "pbkdf2: iterations: 0 (expected: 1 to 1000000, the node's meshwork.hash.max-iterations)"),
        Arguments.of(
            valid.toBuilder().setIterations(1_000_001).build(),
            "pbkdf2: iterations: 1000001 (expected: 1 to 1000000, the node's meshwork.hash.max-iterations)"),
        Arguments.of(
            valid.toBuilder().setIterations(-1).build(), // uint32 4294967295 on the wire
            "pbkdf2: iterations: 4294967295 (expected: 1 to 1000000, the node's meshwork.hash.max-iterations)"),
        Arguments.of(
            valid.toBuilder().setKeyBytes(65).build(),
            "pbkdf2: key_bytes: 65 (expected: 1 to 64, or 0 for 32)"));
  }

  @ParameterizedTest
  @MethodSource("requestsOutOfRange")
  void pbkdf2OutOfRangeGetsBadRequestNamingFieldValueAndRange(
      Pbkdf2Request request, String message) {
    Reply reply = call("pbkdf2", request.toByteString());
    assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
    assertThat(reply.getError()).isEqualTo(message);
    assertThat(reply.getPayload().isEmpty()).isTrue();
  }

  @Test
  void anUndecodablePayloadGetsBadRequest() {
    ByteString garbage = ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff});
    for (String method : new String[] {"sha256", "pbkdf2"}) {
      Reply reply = call(method, garbage);
      assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(reply.getError()).startsWith("invalid payload for hash." + method + ": ");
    }
  }

  @Test
  void anUnknownMethodGetsBadRequestNamingTheMethods() {
    for (String method : new String[] {"md5", ""}) {
      Reply reply = call(method, ByteString.EMPTY);
      assertThat(reply.getStatus()).isEqualTo(Status.BAD_REQUEST);
      assertThat(reply.getError())
          .isEqualTo(
              "unknown method \""
                  + method
                  + "\" of service hash (expected one of: sha256, pbkdf2)");
    }
  }
}
