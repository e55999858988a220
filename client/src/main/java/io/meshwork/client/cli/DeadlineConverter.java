package io.meshwork.client.cli;

import io.meshwork.client.MeshClientOptions;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads {@code --deadline}: a whole number with a unit, {@code 500ms}, {@code 5s} or {@code 1m}.
 */
final class DeadlineConverter implements ITypeConverter<Duration> {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m)");

  @Override
  public Duration convert(String value) {
    Matcher m = DURATION.matcher(value.trim());
    if (!m.matches()) {
      throw new TypeConversionException(
          "'" + value + "' (expected: a whole number and a unit, ms, s or m, e.g. 500ms, 5s, 1m)");
    }
    long amount = Long.parseLong(m.group(1));
    Duration deadline =
        switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(amount);
          case "s" -> Duration.ofSeconds(amount);
          default -> Duration.ofMinutes(amount);
        };
    if (deadline.isZero() || deadline.compareTo(MeshClientOptions.MAX_DEADLINE) > 0) {
      throw new TypeConversionException(
          "'" + value + "' (expected: more than 0 and at most " + maxMinutes() + "m)");
    }
    return deadline;
  }

  private static long maxMinutes() {
    return MeshClientOptions.MAX_DEADLINE.toMinutes();
  }
}
