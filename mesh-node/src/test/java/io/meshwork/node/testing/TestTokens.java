package io.meshwork.node.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Client authentication for test nodes: clients named after their tokens. */
public final class TestTokens {
  private TestTokens() {}

  /** The token of the test client {@code name}. */
  public static String token(String name) {
    return "test-token-of-" + name;
  }

  /** The node settings that turn authentication on for {@code clients}, each allowed {@code allow}. */
  public static Map<String, Object> authFor(List<String> clients, List<String> allow) {
    Map<String, Object> conf = new HashMap<>();
    conf.put("meshwork.auth.enabled", "on");
    for (String client : clients) {
      conf.put("meshwork.auth.clients." + client + ".token-sha256", sha256(token(client)));
      conf.put("meshwork.auth.clients." + client + ".allow", allow);
    }
    return conf;
  }

  /** The request header carrying {@code client}'s token. */
  public static Map<String, String> header(String client) {
    return Map.of("authorization", "Bearer " + token(client));
  }

  public static String sha256(String token) {
    try {
      return java.util.HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
