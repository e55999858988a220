package io.meshwork.node.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A scrape in the Prometheus text format, parsed: every sample line {@code name{labels} value};
 * comments (# HELP, # TYPE) skipped. Enough of the format for tests (escaped quotes in label
 * values included).
 */
public final class PrometheusText {
  /** One sample. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  public final List<Sample> samples = new ArrayList<>();

  public static PrometheusText parse(String text) {
    PrometheusText parsed = new PrometheusText();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      parsed.samples.add(sample(line));
    }
    return parsed;
  }

  private static Sample sample(String line) {
    int brace = line.indexOf('{');
    int space = line.indexOf(' ');
    Map<String, String> labels = new LinkedHashMap<>();
    String name;
    int rest;
    if (brace >= 0 && brace < space) {
      name = line.substring(0, brace);
      int i = brace + 1;
      while (line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        String key = line.substring(i, eq);
        StringBuilder value = new StringBuilder();
        int j = eq + 2; // past ="
        while (line.charAt(j) != '"') {
          char c = line.charAt(j);
          if (c == '\\') {
            j++;
            c = line.charAt(j) == 'n' ? '\n' : line.charAt(j);
          }
          value.append(c);
          j++;
        }
        labels.put(key, value.toString());
        i = j + 1;
        if (line.charAt(i) == ',') {
          i++;
        }
      }
      rest = i + 2;
    } else {
      name = line.substring(0, space);
      rest = space + 1;
    }
    String[] valueAndTime = line.substring(rest).trim().split(" ");
    String v = valueAndTime[0];
    double value =
        switch (v) {
          case "+Inf" -> Double.POSITIVE_INFINITY;
          case "-Inf" -> Double.NEGATIVE_INFINITY;
          default -> Double.parseDouble(v);
        };
    return new Sample(name, labels, value);
  }

  /** The sum of the samples named {@code name} whose labels include every pair of {@code labels}. */
  public double sum(String name, String... labels) {
    double sum = 0;
    for (Sample s : samples) {
      if (s.name.equals(name) && matches(s, labels)) {
        sum += s.value;
      }
    }
    return sum;
  }

  /** True when some sample has the name (and labels). */
  public boolean has(String name, String... labels) {
    return samples.stream().anyMatch(s -> s.name.equals(name) && matches(s, labels));
  }

  /** Every value label {@code label} takes in samples named {@code name}. */
  public Set<String> labelValues(String name, String label) {
    Set<String> values = new TreeSet<>();
    for (Sample s : samples) {
      if (s.name.equals(name) && s.labels.containsKey(label)) {
        values.add(s.labels.get(label));
      }
    }
    return values;
  }

  private static boolean matches(Sample s, String... labels) {
    for (int i = 0; i < labels.length; i += 2) {
      if (!labels[i + 1].equals(s.labels.get(labels[i]))) {
        return false;
      }
    }
    return true;
  }
}
