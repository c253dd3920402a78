package io.github.coapsink.address;

/** UTF-8 lengths without encoding, for the 255-byte limit of a CoAP option. */
final class Utf8 {

    private Utf8() {
    }

    /** Bytes of {@code s} in UTF-8, or -1 when it holds a lone surrogate (no UTF-8 form). */
    static int length(CharSequence s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                bytes++;
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 >= n || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return -1;
                }
                bytes += 2; // 4 bytes for 2 chars
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return -1;
            } else {
                bytes += 2;
            }
        }
        return bytes;
    }
}
