package io.meshwork.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TableTest {
  @Test
  void columnsAreAsWideAsTheirWidestCellTwoSpacesApartWithoutTrailingSpaces() {
    String table =
        new Table("NAME", "STATUS", "NOTES")
            .row("pekko://meshwork@127.0.0.1:2551", "Up", "leader")
            .row("b", "Leaving", "")
            .render();

    assertThat(table)
        .isEqualTo(
            "NAME                             STATUS   NOTES\n"
                + "pekko://meshwork@127.0.0.1:2551  Up       leader\n"
                + "b                                Leaving  -\n");
  }

  @Test
  void aRowMustHaveACellForEveryColumn() {
    assertThatThrownBy(() -> new Table("A", "B").row("only one"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cells: [only one] (expected: 2 cells)");
  }
}
