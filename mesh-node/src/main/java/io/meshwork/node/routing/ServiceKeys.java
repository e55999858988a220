package io.meshwork.node.routing;

import io.meshwork.service.internal.CallMessage;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * How service instances are registered with the cluster Receptionist: every instance of every
 * service under one key, so that a node learns about services it has never heard of, and each
 * instance actor named {@code service-<name>}, so that the listing says which service it is.
 */
public final class ServiceKeys {
  /** The Receptionist key of every service instance in the cluster. */
  public static final ServiceKey<CallMessage> ALL =
      ServiceKey.create(CallMessage.class, "meshwork-services");

  private static final String PREFIX = "service-";

  private ServiceKeys() {}

  /** The actor name of an instance of {@code service}. */
  public static String actorName(String service) {
    return PREFIX + service;
  }

  /** The service an instance actor serves, from its name; null for a foreign actor. */
  public static String serviceOf(String actorName) {
    return actorName.startsWith(PREFIX) ? actorName.substring(PREFIX.length()) : null;
  }
}
