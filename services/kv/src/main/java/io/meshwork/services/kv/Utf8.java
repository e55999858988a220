package io.meshwork.services.kv;

/** UTF-8 lengths, counted without encoding. */
final class Utf8 {
  private Utf8() {}

  /** The length of {@code s} in UTF-8 (an unpaired surrogate, which no parsed proto3 string holds, counts as 3). */
  static int length(String s) {
    int n = s.length();
    int bytes = n;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          bytes += 1;
        } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          bytes += 2; // a surrogate pair: 4 bytes for 2 chars
          i++;
        } else {
          bytes += 2;
        }
      }
    }
    return bytes;
  }
}
