package io.meshwork.client.cli;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code --file PATH} into the request payload; {@code -} reads standard input. */
final class PayloadFileConverter implements ITypeConverter<ByteString> {
  @Override
  public ByteString convert(String value) {
    try {
      return value.equals("-")
          ? ByteString.readFrom(System.in)
          : ByteString.copyFrom(Files.readAllBytes(Path.of(value)));
    } catch (IOException e) {
      throw new TypeConversionException(
          "cannot read '" + value + "' (expected: a readable file, or - for stdin): " + e);
    }
  }
}
