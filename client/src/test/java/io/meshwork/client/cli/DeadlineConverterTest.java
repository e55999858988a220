package io.meshwork.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DeadlineConverterTest {
  private final DeadlineConverter converter = new DeadlineConverter();

  @Test
  void acceptsMillisecondsSecondsAndMinutes() {
    assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(converter.convert("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(converter.convert("1m")).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void rejectsANumberWithoutUnitNamingTheExpectedForm() {
    assertThatThrownBy(() -> converter.convert("5"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessage("'5' (expected: a whole number and a unit, ms, s or m, e.g. 500ms, 5s, 1m)");
  }

  @Test
  void rejectsOtherForms() {
    for (String value : new String[] {"", "-1s", "1.5s", "1h", "s", "PT5S"}) {
      assertThatThrownBy(() -> converter.convert(value))
          .as(value)
          .isInstanceOf(TypeConversionException.class);
    }
  }

  @Test
  void rejectsZeroAndDeadlinesTheProtocolCannotCarry() {
    assertThatThrownBy(() -> converter.convert("0s"))
        .hasMessage("'0s' (expected: more than 0 and at most 71582m)");
    assertThatThrownBy(() -> converter.convert("71583m"))
        .isInstanceOf(TypeConversionException.class);
  }
}
