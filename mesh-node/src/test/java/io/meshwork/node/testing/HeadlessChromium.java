package io.meshwork.node.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's {@code chromium} run headless, one process per page: {@code --dump-dom} prints the DOM
 * after the page's scripts ran for a virtual time budget (timers fire, fetches are real),
 * {@code --screenshot} saves a PNG. Each run has a fresh profile directory, deleted afterwards, and
 * is killed (with its children) if it outlives its timeout.
 */
public final class HeadlessChromium {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  private final String binary;
  private final Path logDir;

  private HeadlessChromium(String binary, Path logDir) {
    this.binary = binary;
    this.logDir = logDir;
  }

  /** The browser named by {@code -Dmeshwork.chromium}, or chromium / chromium-browser on the PATH; null if none. */
  public static HeadlessChromium find(Path logDir) {
    String configured = System.getProperty("meshwork.chromium", "");
    List<String> candidates = configured.isEmpty() ? List.of("chromium", "chromium-browser") : List.of(configured);
    for (String candidate : candidates) {
      String path = onPath(candidate);
      if (path != null) {
        return new HeadlessChromium(path, logDir);
      }
    }
    return null;
  }

  private static String onPath(String name) {
    if (name.contains(File.separator)) {
      return new File(name).canExecute() ? name : null;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File file = new File(dir, name);
      if (file.isFile() && file.canExecute()) {
        return file.getPath();
      }
    }
    return null;
  }

  /** The page's DOM, serialized, after {@code budget} of virtual time. */
  public String dumpDom(String url, Duration budget) {
    Path out = logDir.resolve("chromium-dom.html");
    run("dump-dom", List.of("--virtual-time-budget=" + budget.toMillis(), "--dump-dom", url), out);
    try {
      return Files.readString(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Saves a PNG of the page at {@code width} x {@code height} after {@code budget} of virtual time. */
  public void screenshot(String url, Path png, int width, int height, Duration budget) {
    run(
        "screenshot",
        List.of(
            "--virtual-time-budget=" + budget.toMillis(),
            "--hide-scrollbars",
            "--window-size=" + width + "," + height,
            "--screenshot=" + png.toAbsolutePath(),
            url),
        logDir.resolve("chromium-screenshot.out"));
  }

  private void run(String what, List<String> args, Path stdout) {
    Path profile = null;
    Process process = null;
    try {
      Files.createDirectories(logDir);
      profile = Files.createTempDirectory("meshwork-chromium-");
      List<String> command = new ArrayList<>();
      command.add(binary);
      command.addAll(
          List.of(
              "--headless",
              "--no-sandbox",
              "--disable-gpu",
              "--disable-background-networking",
              "--disable-dev-shm-usage",
              "--no-first-run",
              "--user-data-dir=" + profile));
      command.addAll(args);
      Path log = logDir.resolve("chromium-" + what + ".log");
      process =
          new ProcessBuilder(command)
              .redirectOutput(stdout.toFile())
              .redirectError(log.toFile())
              .start();
      if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        throw new AssertionError("chromium " + what + " did not finish within " + TIMEOUT + " (log: " + log + ")");
      }
      if (process.exitValue() != 0) {
        throw new AssertionError(
            "chromium " + what + " exited with " + process.exitValue() + ": " + Files.readString(log));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("chromium " + what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } finally {
      if (process != null && process.isAlive()) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
      if (profile != null) {
        deleteTree(profile);
      }
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A leftover temporary profile is harmless.
    }
  }
}
