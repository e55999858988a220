package io.meshwork.service.internal;

import java.util.Map;

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the trace id of a call's {@code
 * traceparent} header, which the node puts in the SLF4J MDC as {@code traceId} while a service
 * handles the call, so that every line logged meanwhile names the trace. Headers travel with a
 * call to any node and into the calls a service makes with {@code CallOptions.within}, so the
 * trace id follows the call across the forwarding hop. A header that is not a valid {@code
 * traceparent} is ignored, never an error.
 */
public final class TraceContext {
  /** The request header, as W3C names it (lower case). */
  public static final String HEADER = "traceparent";

  /** The MDC key of the trace id. */
  public static final String MDC_KEY = "traceId";

  private TraceContext() {}

  /** The trace id (32 lower-case hex digits) of the headers' valid traceparent, else null. */
  public static String traceId(Map<String, String> headers) {
    if (headers.isEmpty()) {
      return null; // the usual case: no map lookup
    }
    String value = headers.get(HEADER);
    return value == null ? null : traceId(value);
  }

  /**
   * The trace id of a {@code traceparent} value, {@code version-traceid-parentid-flags}, e.g.
   * {@code 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01}, or null when it is not valid:
   * two hex digits of version (not {@code ff}), 32 of trace id and 16 of parent id (neither all
   * zeros), 2 of flags, all lower case; version 00 has exactly these 55 characters, a later
   * version may add {@code -...} after them.
   */
  public static String traceId(String value) {
    int length = value.length();
    if (length < 55 || (length > 55 && (value.startsWith("00") || value.charAt(55) != '-'))) {
      return null;
    }
    if (!hex(value, 0, 2) || value.startsWith("ff") || value.charAt(2) != '-') {
      return null;
    }
    if (!hex(value, 3, 35) || zeros(value, 3, 35) || value.charAt(35) != '-') {
      return null;
    }
    if (!hex(value, 36, 52) || zeros(value, 36, 52) || value.charAt(52) != '-') {
      return null;
    }
    if (!hex(value, 53, 55)) {
      return null;
    }
    return value.substring(3, 35);
  }

  private static boolean hex(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static boolean zeros(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }
}
