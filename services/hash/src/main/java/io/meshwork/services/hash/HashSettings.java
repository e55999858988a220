package io.meshwork.services.hash;

import com.typesafe.config.Config;

/**
 * The {@code hash} service's settings: {@code meshwork.hash} in the node's config, read once.
 *
 * @param maxIterations the most PBKDF2 iterations a {@code pbkdf2} request may ask for
 */
record HashSettings(int maxIterations) {
  static final String MAX_ITERATIONS_KEY = "meshwork.hash.max-iterations";

  /** The most a node may allow: about a second of one core per 32 bytes of key. */
  static final int ITERATIONS_LIMIT = 10_000_000;

  HashSettings {
    if (maxIterations < 1 || maxIterations > ITERATIONS_LIMIT) {
      throw new IllegalArgumentException(
          MAX_ITERATIONS_KEY + ": " + maxIterations + " (expected: 1 to " + ITERATIONS_LIMIT + ")");
    }
  }

  static HashSettings fromConfig(Config config) {
    return new HashSettings(config.getInt(MAX_ITERATIONS_KEY));
  }
}
