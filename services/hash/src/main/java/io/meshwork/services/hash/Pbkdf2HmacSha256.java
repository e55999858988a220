package io.meshwork.services.hash;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * PBKDF2 (RFC 8018, section 5.2) with HMAC-SHA256 as its pseudorandom function, over the exact
 * bytes of the password.
 *
 * <p>The JDK's {@code PBKDF2WithHmacSHA256} takes the password as a {@code char[]} and encodes it
 * as UTF-8, so it cannot take arbitrary bytes (a lone 0xff, say). This is the same algorithm on
 * {@link Mac} directly, with the password bytes as the HMAC key:
 *
 * <pre>
 * DK = T_1 || T_2 || ... truncated to keyBytes      T_i = U_1 ^ U_2 ^ ... ^ U_iterations
 * U_1 = HMAC(password, salt || INT32_BE(i))          U_j = HMAC(password, U_(j-1))
 * </pre>
 *
 * <p>Not thread-safe: it reuses one {@link Mac}. One instance per actor.
 */
final class Pbkdf2HmacSha256 {
  /** Bytes of one HMAC-SHA256 output, hence of each block T_i. */
  static final int BLOCK_BYTES = 32;

  private static final String HMAC = "HmacSHA256";

  private final Mac mac;
  private final byte[] u = new byte[BLOCK_BYTES];
  private final byte[] t = new byte[BLOCK_BYTES];

  Pbkdf2HmacSha256() {
    try {
      mac = Mac.getInstance(HMAC);
    } catch (GeneralSecurityException e) {
      // Every Java SE platform must provide HmacSHA256.
      throw new IllegalStateException(HMAC + " is not available", e);
    }
  }

  /**
   * The key of {@code keyBytes} bytes derived from {@code password} and {@code salt}.
   *
   * @throws IllegalArgumentException when {@code iterations} or {@code keyBytes} is below 1
   */
  byte[] derive(byte[] password, byte[] salt, int iterations, int keyBytes) {
    return derive(password, salt, iterations, keyBytes, Long.MAX_VALUE);
  }

  /** Iterations between two looks at the clock: about a millisecond of work. */
  private static final int CLOCK_CHECK_INTERVAL = 1024;

  /**
   * As {@link #derive(byte[], byte[], int, int)}, but gives up once {@code System.nanoTime()}
   * passes {@code deadlineNanos} ({@code Long.MAX_VALUE}: never), returning null: no caller waits
   * for a key past its deadline, so no more work is spent on it.
   */
  byte[] derive(byte[] password, byte[] salt, int iterations, int keyBytes, long deadlineNanos) {
    boolean bounded = deadlineNanos != Long.MAX_VALUE;
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations: " + iterations + " (expected: >= 1)");
    }
    if (keyBytes < 1) {
      throw new IllegalArgumentException("keyBytes: " + keyBytes + " (expected: >= 1)");
    }
    try {
      mac.init(new SecretKeySpec(hmacKey(password), HMAC));
      byte[] key = new byte[keyBytes];
      for (int block = 1, offset = 0; offset < keyBytes; block++, offset += BLOCK_BYTES) {
        mac.update(salt);
        mac.update(int32BigEndian(block));
        mac.doFinal(u, 0);
        System.arraycopy(u, 0, t, 0, BLOCK_BYTES);
        for (int i = 1; i < iterations; i++) {
          if (bounded && i % CLOCK_CHECK_INTERVAL == 0 && System.nanoTime() - deadlineNanos >= 0) {
            return null;
          }
          mac.update(u);
          mac.doFinal(u, 0);
          for (int j = 0; j < BLOCK_BYTES; j++) {
            t[j] ^= u[j];
          }
        }
        System.arraycopy(t, 0, key, offset, Math.min(BLOCK_BYTES, keyBytes - offset));
      }
      return key;
    } catch (GeneralSecurityException e) {
      // A raw HMAC key of any length is valid and u holds exactly one output.
      throw new IllegalStateException(HMAC + " refused its input", e);
    }
  }

  private static byte[] int32BigEndian(int i) {
    return new byte[] {(byte) (i >>> 24), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i};
  }

  /**
   * {@link SecretKeySpec} refuses an empty key. HMAC pads every key shorter than SHA-256's 64-byte
   * block with zero bytes, so the empty key and the one zero byte are the same key (RFC 2104, 2).
   */
  private static byte[] hmacKey(byte[] password) {
    return password.length == 0 ? new byte[1] : password;
  }
}
