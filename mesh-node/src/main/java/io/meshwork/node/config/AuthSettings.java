package io.meshwork.node.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.File;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Client authentication at the client endpoint, from {@code meshwork.auth} (see reference.conf).
 *
 * @param enabled whether requests must carry a known token
 * @param header the request header holding the token
 * @param clients every client by name
 */
public record AuthSettings(boolean enabled, String header, Map<String, Client> clients) {

  /**
   * One client: the SHA-256 of its token and what it may call.
   *
   * @param allow entries as configured: {@code "*"}, {@code "service"}, {@code "service/*"} or
   *     {@code "service/method"}
   */
  public record Client(String name, byte[] tokenSha256, List<String> allow) {
    public Client {
      requireNonNull(name, "name");
      tokenSha256 = tokenSha256.clone();
      allow = List.copyOf(allow);
    }

    @Override
    public String toString() {
      return "Client{" + name + ", allow=" + allow + "}"; // never the hash
    }
  }

  public AuthSettings {
    requireNonNull(header, "header");
    clients = java.util.Collections.unmodifiableMap(new TreeMap<>(clients));
  }

  /** Authentication off. */
  public static final AuthSettings OFF = new AuthSettings(false, "authorization", Map.of());

  /** Reads and checks {@code meshwork.auth} of a resolved node config. */
  public static AuthSettings fromConfig(Config config) {
    Config c = config.getConfig("meshwork.auth");
    boolean enabled = c.getBoolean("enabled");
    String header = c.getString("header").trim();
    if (header.isEmpty()) {
      throw new IllegalArgumentException(
          "meshwork.auth.header: \"\" (expected: a header name, e.g. authorization)");
    }
    Map<String, Client> clients = new LinkedHashMap<>();
    readClients(c.getConfig("clients"), "meshwork.auth.clients", clients);
    String file = c.getString("clients-file").trim();
    if (!file.isEmpty()) {
      File f = new File(file);
      if (!f.isFile()) {
        throw new IllegalArgumentException(
            "meshwork.auth.clients-file: \"" + file + "\" (expected: a readable HOCON file)");
      }
      Config fromFile;
      try {
        fromFile = ConfigFactory.parseFile(f).resolve();
      } catch (ConfigException e) {
        throw new IllegalArgumentException(
            "meshwork.auth.clients-file: \"" + file + "\" is not valid HOCON: " + e.getMessage());
      }
      if (!fromFile.hasPath("clients")) {
        throw new IllegalArgumentException(
            "meshwork.auth.clients-file: \"" + file + "\" (expected: clients { name { token-sha256 = ..., allow = [...] } })");
      }
      readClients(fromFile.getConfig("clients"), file + ": clients", clients);
    }
    Map<String, String> byHash = new TreeMap<>();
    for (Client client : clients.values()) {
      String hex = HexFormat.of().formatHex(client.tokenSha256());
      String other = byHash.put(hex, client.name());
      if (other != null) {
        throw new IllegalArgumentException(
            "meshwork.auth.clients: "
                + other
                + " and "
                + client.name()
                + " have the same token-sha256 (expected: one token per client)");
      }
    }
    if (enabled && clients.isEmpty()) {
      throw new IllegalArgumentException(
          "meshwork.auth.enabled = on with no clients (expected: at least one entry in"
              + " meshwork.auth.clients or in meshwork.auth.clients-file; every request would be refused)");
    }
    return new AuthSettings(enabled, header, clients);
  }

  private static void readClients(Config clients, String where, Map<String, Client> into) {
    for (Map.Entry<String, ConfigValue> e : clients.root().entrySet()) {
      String name = e.getKey();
      String key = where + "." + name;
      if (e.getValue().valueType() != ConfigValueType.OBJECT) {
        throw new IllegalArgumentException(
            key + ": " + e.getValue().render() + " (expected: { token-sha256 = \"...\", allow = [...] })");
      }
      Config client = clients.getConfig(ConfigUtil.quoteString(name));
      if (!client.hasPath("token-sha256")) {
        throw new IllegalArgumentException(
            key + ".token-sha256: missing (expected: 64 hex digits, printf %s \"$TOKEN\" | sha256sum)");
      }
      byte[] hash = sha256Hex(client.getString("token-sha256"), key + ".token-sha256");
      List<String> allow = client.hasPath("allow") ? client.getStringList("allow") : List.of();
      for (String entry : allow) {
        checkAllowEntry(entry, key + ".allow");
      }
      into.put(name, new Client(name, hash, allow));
    }
  }

  /** 64 hex digits as 32 bytes; the message never repeats the value (it could be a token). */
  static byte[] sha256Hex(String value, String key) {
    String hex = value.trim();
    if (hex.length() != 64 || !hex.chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
      throw new IllegalArgumentException(
          key
              + ": a value of "
              + hex.length()
              + " characters (expected: the SHA-256 as 64 hex digits, e.g. printf %s \"$TOKEN\" |"
              + " sha256sum; never the token itself)");
    }
    return HexFormat.of().parseHex(hex.toLowerCase(java.util.Locale.ROOT));
  }

  private static void checkAllowEntry(String entry, String key) {
    String e = entry.trim();
    int slash = e.indexOf('/');
    boolean valid =
        e.equals("*")
            || (!e.isEmpty() && slash < 0)
            || (slash > 0 && e.indexOf('/', slash + 1) < 0);
    if (!valid) {
      throw new IllegalArgumentException(
          key
              + ": \""
              + entry
              + "\" (expected: \"*\", \"service\", \"service/*\" or \"service/method\")");
    }
  }
}
