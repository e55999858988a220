package io.meshwork.services.pubsub;

import com.typesafe.config.Config;

/**
 * The pubsub service's bounds, from {@code meshwork.pubsub} (see the node's reference.conf): what
 * keeps one client from making a node hold unbounded topics.
 *
 * @param maxTopics topics with at least one subscriber on this node, at most
 * @param maxSubscribersPerTopic subscribers of one topic on this node, at most
 * @param maxTopicLength characters of a topic name, at most
 */
record PubsubSettings(int maxTopics, int maxSubscribersPerTopic, int maxTopicLength) {
  static final String PATH = "meshwork.pubsub";

  PubsubSettings {
    require("max-topics", maxTopics, 1, Integer.MAX_VALUE);
    require("max-subscribers-per-topic", maxSubscribersPerTopic, 1, Integer.MAX_VALUE);
    // Not longer than a receptionist key or an actor name should be, nor than the old fixed bound
    // a thousandfold: names travel in every message.
    require("max-topic-length", maxTopicLength, 1, 1000);
  }

  /** Reads and checks {@code meshwork.pubsub} of a resolved config. */
  static PubsubSettings fromConfig(Config config) {
    Config c = config.getConfig(PATH);
    return new PubsubSettings(
        c.getInt("max-topics"), c.getInt("max-subscribers-per-topic"), c.getInt("max-topic-length"));
  }

  private static void require(String key, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          PATH + "." + key + ": " + value + " (expected: " + min + " to " + max + ")");
    }
  }
}
