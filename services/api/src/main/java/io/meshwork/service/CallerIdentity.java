package io.meshwork.service;

import java.util.Map;

/**
 * Who made a call, as the node that received it from a client established it. With client
 * authentication on, that node puts the authenticated client's name in the {@link #HEADER} header
 * of every call it routes; a client cannot set the header itself (the node removes any value a
 * request brings before it stamps its own). Services that key state or limits by caller (e.g.
 * {@code ratelimit}, the proxy's limits) use it, so one client cannot spend another's budget.
 */
public final class CallerIdentity {
  /** The header naming the authenticated client (lower case, like every header name). */
  public static final String HEADER = "meshwork-client";

  private CallerIdentity() {}

  /** The authenticated client's name, or null when the call's node does not authenticate. */
  public static String of(Map<String, String> headers) {
    return headers.isEmpty() ? null : headers.get(HEADER);
  }
}
