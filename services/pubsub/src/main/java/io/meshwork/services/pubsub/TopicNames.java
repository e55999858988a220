package io.meshwork.services.pubsub;

import io.meshwork.protocol.v1.Status;
import io.meshwork.service.ServiceException;
import java.util.regex.Pattern;

/** What a topic name may be: letters, digits and {@code . _ - / :}, up to a configured length. */
final class TopicNames {
  private static final Pattern CHARACTERS = Pattern.compile("[A-Za-z0-9._\\-/:]+");

  private TopicNames() {}

  /** Throws {@code BAD_REQUEST} naming the problem unless {@code topic} is a valid name. */
  static void check(String topic, PubsubSettings settings) {
    int max = settings.maxTopicLength();
    if (topic.length() > max) {
      throw new ServiceException(
          Status.BAD_REQUEST,
          "topic: "
              + topic.length()
              + " characters (expected: at most "
              + max
              + ", meshwork.pubsub.max-topic-length)");
    }
    if (!CHARACTERS.matcher(topic).matches()) {
      throw new ServiceException(
          Status.BAD_REQUEST,
          "topic: \""
              + (topic.length() > 40 ? topic.substring(0, 40) + "..." : topic)
              + "\" (expected: 1 to "
              + max
              + " of letters, digits and . _ - / :)");
    }
  }
}
