package io.imaged.api;

import java.util.Locale;

/**
 * dockerd's httputils.BoolValue: a query flag is false only when absent, empty, {@code 0}, {@code no},
 * {@code false} or {@code none}; anything else (even {@code notabool}) is true. Spring's boolean
 * conversion would turn such values into a 400 that dockerd never answers.
 */
public final class QueryBool {
    private QueryBool() {
    }

    public static boolean of(String raw) {
        if (raw == null) return false;
        String s = raw.strip().toLowerCase(Locale.ROOT);
        return !(s.isEmpty() || s.equals("0") || s.equals("no") || s.equals("false") || s.equals("none"));
    }
}
