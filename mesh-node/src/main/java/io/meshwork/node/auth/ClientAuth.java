package io.meshwork.node.auth;

import io.meshwork.node.config.AuthSettings;
import io.meshwork.protocol.v1.Status;
import io.meshwork.service.CallerIdentity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * Checks the token of each request against the configured clients and their permissions. Shared
 * by every connection of a node (immutable); each connection checks through a {@link Session} of
 * its own, which remembers the last token it verified, so a connection that sends the same token
 * with every request pays one constant-time comparison per request, not a SHA-256.
 *
 * <p>Tokens are looked up by their SHA-256 (only hashes are configured), and compared in constant
 * time. No token ever appears in a message or a log: the failures say "no credentials" or "unknown
 * token", and name the client only once its token is known.
 */
public final class ClientAuth {
  /** The outcome of a refused check: the status and the reply's error text. */
  public record Denial(Status status, String message) {}

  private final String header;
  private final Map<String, Client> byTokenHash;
  private final Denial noCredentials;
  private final Denial unknownToken;

  private ClientAuth(AuthSettings settings) {
    this.header = settings.header();
    Map<String, Client> clients = new HashMap<>();
    for (AuthSettings.Client c : settings.clients().values()) {
      clients.put(HexFormat.of().formatHex(c.tokenSha256()), new Client(c));
    }
    this.byTokenHash = Map.copyOf(clients);
    this.noCredentials =
        new Denial(
            Status.UNAUTHENTICATED,
            "no credentials: this node requires a token in the request header \""
                + header
                + "\" (\"Bearer <token>\" or the bare token)");
    this.unknownToken =
        new Denial(
            Status.UNAUTHENTICATED,
            "unknown token in the request header \"" + header + "\"");
  }

  /** The check for these settings, or null when authentication is off. */
  public static ClientAuth of(AuthSettings settings) {
    return settings.enabled() ? new ClientAuth(settings) : null;
  }

  /** The header that holds the token. */
  public String header() {
    return header;
  }

  /** A check for one connection (not thread-safe: a connection's stage runs on one thread). */
  public Session session() {
    return new Session();
  }

  /** One connection's checks, with the last verified token remembered. */
  public final class Session {
    private byte[] lastToken;
    private Client lastClient;
    private MessageDigest sha256;

    private Session() {}

    /**
     * Null when the request may be routed; else why not. {@code service} is the target after the
     * dedicated port's default is applied.
     */
    public Denial check(Map<String, String> headers, String service, String method) {
      String value = headers.get(header);
      if (value == null) {
        value = ignoringCase(headers); // "Authorization", as HTTP habits write it
        if (value == null) {
          return noCredentials;
        }
      }
      String token = bare(value);
      if (token.isEmpty()) {
        return noCredentials;
      }
      Client client = client(token.getBytes(StandardCharsets.UTF_8));
      if (client == null) {
        return unknownToken;
      }
      if (client.allows(service, method)) {
        return null;
      }
      return new Denial(
          Status.PERMISSION_DENIED,
          "client \""
              + client.name
              + "\" may not call "
              + service
              + (method.isEmpty() ? " (empty method)" : "/" + method)
              + " (meshwork.auth.clients."
              + client.name
              + ".allow)");
    }

    private Client client(byte[] token) {
      byte[] last = lastToken;
      if (last != null && MessageDigest.isEqual(last, token)) {
        return lastClient;
      }
      if (sha256 == null) {
        try {
          sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
          throw new IllegalStateException("SHA-256 is not available", e);
        }
      }
      byte[] hash = sha256.digest(token);
      Client client = byTokenHash.get(HexFormat.of().formatHex(hash));
      // The map found it by the hash; the constant-time comparison of the stored hash makes the
      // outcome independent of how the map compares keys.
      if (client == null || !MessageDigest.isEqual(client.tokenSha256, hash)) {
        return null;
      }
      lastToken = token;
      lastClient = client;
      return client;
    }

    /**
     * The headers a service sees, once {@link #check} has passed: without the token, so that no
     * service (e.g. proxy, which passes headers on to HTTP back ends) can see or forward it, and
     * with the client's name in {@link CallerIdentity#HEADER} (replacing any value the request
     * brought: only the node says who called).
     */
    public Map<String, String> stamped(Map<String, String> headers) {
      Client client = lastClient; // the client check() has just let through
      if (headers.size() == 1) {
        return client.identity; // only the token: no map built per call
      }
      Map<String, String> copy = new HashMap<>(headers);
      copy.keySet().removeIf(name -> name.equalsIgnoreCase(header));
      copy.put(CallerIdentity.HEADER, client.name);
      return Map.copyOf(copy);
    }
  }

  /** The headers without a {@link CallerIdentity#HEADER} a client sent (it is the node's to set). */
  public static Map<String, String> withoutIdentity(Map<String, String> headers) {
    Map<String, String> copy = new HashMap<>(headers);
    copy.remove(CallerIdentity.HEADER);
    return Map.copyOf(copy);
  }

  /** The value of the token header written in another case, or null. */
  private String ignoringCase(Map<String, String> headers) {
    for (Map.Entry<String, String> e : headers.entrySet()) {
      if (e.getKey().equalsIgnoreCase(header)) {
        return e.getValue();
      }
    }
    return null;
  }

  /** The token in a header value: "Bearer <token>" (any case of the scheme) or the bare token. */
  static String bare(String value) {
    String v = value.strip();
    if (v.length() > 7 && v.regionMatches(true, 0, "bearer", 0, 6) && Character.isWhitespace(v.charAt(6))) {
      return v.substring(7).strip();
    }
    return v;
  }

  /** A client with its permissions, ready for the per-request check. */
  private static final class Client {
    final String name;
    final Map<String, String> identity;
    final byte[] tokenSha256;
    final boolean everything;
    final Set<String> services;
    final Map<String, Set<String>> methods;

    Client(AuthSettings.Client c) {
      this.name = c.name();
      this.identity = Map.of(CallerIdentity.HEADER, c.name());
      this.tokenSha256 = c.tokenSha256();
      boolean all = false;
      java.util.HashSet<String> whole = new java.util.HashSet<>();
      Map<String, java.util.HashSet<String>> some = new HashMap<>();
      for (String raw : c.allow()) {
        String entry = raw.strip();
        int slash = entry.indexOf('/');
        if (entry.equals("*")) {
          all = true;
        } else if (slash < 0) {
          whole.add(entry);
        } else if (entry.substring(slash + 1).equals("*")) {
          whole.add(entry.substring(0, slash));
        } else {
          some.computeIfAbsent(entry.substring(0, slash), s -> new java.util.HashSet<>())
              .add(entry.substring(slash + 1));
        }
      }
      this.everything = all;
      this.services = Set.copyOf(whole);
      Map<String, Set<String>> frozen = new HashMap<>();
      some.forEach((service, ms) -> frozen.put(service, Set.copyOf(ms)));
      this.methods = Map.copyOf(frozen);
    }

    boolean allows(String service, String method) {
      if (everything || services.contains(service)) {
        return true;
      }
      Set<String> ms = methods.get(service);
      return ms != null && ms.contains(method);
    }
  }
}
