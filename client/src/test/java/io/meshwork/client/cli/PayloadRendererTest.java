package io.meshwork.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

class PayloadRendererTest {
  private static String render(String text) {
    return PayloadRenderer.render(ByteString.copyFromUtf8(text));
  }

  @Test
  void printableUtf8IsShownAsTextEndingWithALineBreak() {
    assertThat(render("héllo, wörld ✓")).isEqualTo("héllo, wörld ✓\n");
    assertThat(render("two\nlines\n")).isEqualTo("two\nlines\n");
    assertThat(render("tab\there")).isEqualTo("tab\there\n");
  }

  @Test
  void controlCharactersMakeItHex() {
    assertThat(render("a\u0000b")).isEqualTo("61 00 62\n");
    assertThat(render("\u001b[31mred")).startsWith("1b 5b");
  }

  @Test
  void invalidUtf8IsShownAsHexSixteenBytesPerLine() {
    byte[] bytes = new byte[18];
    bytes[0] = (byte) 0xc3; // a lead byte without its continuation byte
    assertThat(PayloadRenderer.render(ByteString.copyFrom(bytes)))
        .isEqualTo("c3 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n00 00\n");
  }

  @Test
  void emptyPayloadShowsNothing() {
    assertThat(PayloadRenderer.render(ByteString.EMPTY)).isEmpty();
  }

  @Test
  void infoRepliesAreDecodedAsProtobufText() {
    ByteString payload =
        io.meshwork.protocol.services.v1.InfoReply.newBuilder()
            .setNode("pekko://meshwork@127.0.0.1:2551")
            .addHostedServices("echo")
            .build()
            .toByteString();
    assertThat(PayloadRenderer.render("info", payload))
        .isEqualTo("node: \"pekko://meshwork@127.0.0.1:2551\"\nhosted_services: \"echo\"\n");
    // Other services' payloads are not interpreted.
    assertThat(PayloadRenderer.render("echo", payload)).startsWith("0a 1f");
  }
}
