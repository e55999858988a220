package io.meshwork.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class NodeAddressConverterTest {
  private final NodeAddressConverter converter = new NodeAddressConverter();

  @Test
  void readsHostAndPortWithoutResolving() {
    InetSocketAddress address = converter.convert("node-1.example:7700");

    assertThat(address.isUnresolved()).isTrue();
    assertThat(address.getHostString()).isEqualTo("node-1.example");
    assertThat(address.getPort()).isEqualTo(7700);
  }

  @Test
  void readsBracketedIpv6Addresses() {
    assertThat(converter.convert("[::1]:7700").getHostString()).isEqualTo("::1");
  }

  @Test
  void rejectsAddressesWithoutHostOrValidPort() {
    for (String value : new String[] {"7700", ":7700", "host", "host:", "host:0", "host:65536"}) {
      assertThatThrownBy(() -> converter.convert(value))
          .as(value)
          .isInstanceOf(TypeConversionException.class)
          .hasMessageContaining("expected: HOST:PORT");
    }
  }
}
