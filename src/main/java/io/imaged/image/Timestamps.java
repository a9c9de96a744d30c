package io.imaged.image;

import io.imaged.error.ImagedException;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Docker's timestamp arguments (until, since): Go durations, unix seconds, RFC 3339 and its shorter forms. */
public final class Timestamps {
    private Timestamps() {
    }

    /** Resolves a timestamp relative to {@code now} (durations count back from now). */
    public static Instant parse(String value, Instant now) {
        if (value == null || value.isEmpty()) return null;
        Duration d = goDuration(value);
        if (d != null) return now.minus(d);
        if (value.matches("-?[0-9]+(\\.[0-9]+)?")) {
            BigDecimal secs = new BigDecimal(value);
            try {
                long s = secs.toBigInteger().longValueExact();
                long nanos = secs.subtract(BigDecimal.valueOf(s)).movePointRight(9).longValue();
                return Instant.ofEpochSecond(s, nanos);
            } catch (ArithmeticException | java.time.DateTimeException outOfRange) {
                // 3,000 digits of seconds is no time (it used to be a 500 with DateTimeException)
                throw ImagedException.invalid("failed to parse value as time or duration: \"" + value + "\"");
            }
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (RuntimeException ignored) {
            // try the shorter layouts
        }
        try {
            return LocalDateTime.parse(value).toInstant(ZoneOffset.UTC);
        } catch (RuntimeException ignored) {
            // next
        }
        try {
            return LocalDate.parse(value).atStartOfDay().toInstant(ZoneOffset.UTC);
        } catch (RuntimeException ignored) {
            // fall through
        }
        throw ImagedException.invalid("failed to parse value as time or duration: \"" + value + "\"");
    }

    /**
     * A Go duration such as {@code 10m}, {@code 1.5h} or {@code 1h30m} (time.ParseDuration); null when it is not one.
     * Scanned by hand, in one pass: the regular expression this replaces backtracked on a long run of digits
     * ({@code until=111…1}, 2,000 digits took 80 s of CPU).
     */
    public static Duration goDuration(String s) {
        String v = s.startsWith("-") || s.startsWith("+") ? s.substring(1) : s;
        if (v.isEmpty()) return null;
        int i = 0;
        double nanos = 0;
        while (i < v.length()) {
            int numStart = i;
            while (i < v.length() && isDigit(v.charAt(i))) i++;
            boolean pre = i > numStart;
            boolean post = false;
            if (i < v.length() && v.charAt(i) == '.') {
                i++;
                int fracStart = i;
                while (i < v.length() && isDigit(v.charAt(i))) i++;
                post = i > fracStart;
            }
            if (!pre && !post) return null;
            String number = v.substring(numStart, i);
            int unitStart = i;
            while (i < v.length() && v.charAt(i) != '.' && !isDigit(v.charAt(i))) i++;
            double scale = switch (v.substring(unitStart, i)) {
                case "ns" -> 1;
                case "us", "µs", "μs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                default -> -1;
            };
            if (scale < 0) return null;
            nanos += Double.parseDouble(number.endsWith(".") ? number + "0" : number) * scale;
        }
        Duration d = Duration.ofNanos((long) nanos);
        return s.startsWith("-") ? d.negated() : d;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
