package io.imaged.api;

/**
 * Go's {@code url.ParseQuery} checks, which dockerd applies to every request's query ({@code r.ParseForm()}):
 * a {@code ;} in a parameter or a {@code %} not followed by two hex digits is a 400. Tomcat instead drops such a
 * parameter silently ({@code tag=%zz} tagged the image {@code :latest}), so the raw query is checked here first.
 */
final class GoQuery {
    private GoQuery() {
    }

    /** The error dockerd answers for this raw query string, or null when it parses. */
    static String error(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) return null;
        String err = null;
        for (String pair : rawQuery.split("&", -1)) {
            if (pair.indexOf(';') >= 0) {
                // as in Go, a semicolon wins over an escape error found earlier
                err = "invalid semicolon separator in query";
                continue;
            }
            if (pair.isEmpty() || err != null) continue;
            int eq = pair.indexOf('=');
            String e = escapeError(eq < 0 ? pair : pair.substring(0, eq));
            if (e == null && eq >= 0) e = escapeError(pair.substring(eq + 1));
            if (e != null) err = e;
        }
        return err;
    }

    /** Go's {@code unescape}: the first bad {@code %} escape as {@code invalid URL escape "%zz"}. */
    static String escapeError(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != '%') continue;
            if (i + 2 >= s.length() || !isHex(s.charAt(i + 1)) || !isHex(s.charAt(i + 2))) {
                String bad = s.substring(i, Math.min(s.length(), i + 3));
                return "invalid URL escape " + quote(bad);
            }
            i += 2;
        }
        return null;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** Go's {@code strconv.Quote} for the few characters a request line can carry. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
