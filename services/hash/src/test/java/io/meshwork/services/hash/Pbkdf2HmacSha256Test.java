package io.meshwork.services.hash;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.Random;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.Test;

/** PBKDF2-HMAC-SHA256 against published vectors and against the JDK's own implementation. */
class Pbkdf2HmacSha256Test {
  private final Pbkdf2HmacSha256 pbkdf2 = new Pbkdf2HmacSha256();

  private String derive(String password, String salt, int iterations, int keyBytes) {
    byte[] key =
        pbkdf2.derive(password.getBytes(UTF_8), salt.getBytes(UTF_8), iterations, keyBytes);
    return HexFormat.of().formatHex(key);
  }

  @Test
  void matchesTheRfc6070StyleVectorsForHmacSha256() {
    // RFC 6070's inputs with SHA-256 as the PRF, as published alongside it (and cross-checked with
    // the JDK's PBKDF2WithHmacSHA256).
    assertThat(derive("password", "salt", 1, 32))
        .isEqualTo("120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
    assertThat(derive("password", "salt", 2, 32))
        .isEqualTo("ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43");
    assertThat(derive("password", "salt", 4096, 32))
        .isEqualTo("c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
    assertThat(derive("passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 40))
        .isEqualTo(
            "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1"
                + "c635518c7dac47e9");
    assertThat(derive("pass\0word", "sa\0lt", 4096, 16))
        .isEqualTo("89b69d0516f829893c696226650a8687");
  }

  @Test
  void matchesTheRfc7914Vectors() {
    // RFC 7914 (scrypt), section 11: PBKDF2-HMAC-SHA256 test vectors, two blocks each.
    assertThat(derive("passwd", "salt", 1, 64))
        .isEqualTo(
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
    assertThat(derive("Password", "NaCl", 80000, 64))
        .isEqualTo(
            "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
                + "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
  }

  @Test
  void matchesTheJdkForEveryKeyLengthAndForEmptyLongAndNonAsciiPasswords() throws Exception {
    Random random = new Random(7);
    String[] passwords = {"", "x", "pässwörd ✓", "p".repeat(64), "q".repeat(65), "r".repeat(1024)};
    for (String password : passwords) {
      for (int keyBytes = 1; keyBytes <= 64; keyBytes++) {
        byte[] salt = new byte[8 + random.nextInt(24)];
        random.nextBytes(salt);
        int iterations = 1 + random.nextInt(50);
        // The JDK encodes the char[] password as UTF-8: the same bytes as ours for these strings.
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, keyBytes * 8);
        byte[] expected =
            SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        assertThat(pbkdf2.derive(password.getBytes(UTF_8), salt, iterations, keyBytes))
            .as("password of %d chars, %d bytes of key", password.length(), keyBytes)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void takesPasswordBytesThatAreNotText() {
    byte[] salt = "saltsalt".getBytes(UTF_8);
    byte[] a = pbkdf2.derive(new byte[] {(byte) 0xff}, salt, 2, 32);
    byte[] b = pbkdf2.derive(new byte[] {(byte) 0xfe}, salt, 2, 32);
    // Lossy text decoding would map both to U+FFFD and so to the same key.
    assertThat(a).hasSize(32).isNotEqualTo(b);
  }

  @Test
  void rejectsNonPositiveIterationsAndKeyLengths() {
    byte[] salt = new byte[8];
    assertThatThrownBy(() -> pbkdf2.derive(new byte[1], salt, 0, 32))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("iterations: 0 (expected: >= 1)");
    assertThatThrownBy(() -> pbkdf2.derive(new byte[1], salt, 1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keyBytes: 0 (expected: >= 1)");
  }

  @Test
  void aDerivationStopsAtItsDeadlineAndOneWithTimeLeftIsUnchanged() {
    byte[] salt = "salt-salt".getBytes(UTF_8);
    byte[] password = "password".getBytes(UTF_8);
    long start = System.nanoTime();
    // 10 million iterations take seconds; a deadline 50 ms away ends the work long before.
    assertThat(pbkdf2.derive(password, salt, 10_000_000, 32, start + 50_000_000L)).isNull();
    assertThat(System.nanoTime() - start).isLessThan(1_000_000_000L);
    assertThat(pbkdf2.derive(password, salt, 4096, 32, System.nanoTime() + 60_000_000_000L))
        .isEqualTo(pbkdf2.derive(password, salt, 4096, 32));
  }
}
