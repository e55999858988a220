package io.meshwork.client.cli;

/**
 * A failure meshctl expected and explains: {@link CommandRunner} prints {@code meshctl: } and the
 * message as one line on stderr and exits with {@link #exitCode()}.
 */
final class MeshctlException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  MeshctlException(int exitCode, String message) {
    super(oneLine(message));
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }

  /** Messages of parsers and HTTP bodies may span lines; meshctl's errors never do. */
  static String oneLine(String text) {
    return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
