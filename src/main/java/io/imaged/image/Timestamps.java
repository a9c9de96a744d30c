package io.imaged.image;

import io.imaged.api.ApiException;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Docker's timestamp arguments (until, since): Go durations, unix seconds, RFC 3339 and its shorter forms. */
public final class Timestamps {
    private static final Pattern GO_DURATION_PART = Pattern.compile("([0-9]*\\.?[0-9]+)(ns|us|µs|ms|s|m|h)");

    private Timestamps() {
    }

    /** Resolves a timestamp relative to {@code now} (durations count back from now). */
    public static Instant parse(String value, Instant now) {
        if (value == null || value.isEmpty()) return null;
        Duration d = goDuration(value);
        if (d != null) return now.minus(d);
        if (value.matches("-?[0-9]+(\\.[0-9]+)?")) {
            BigDecimal secs = new BigDecimal(value);
            long s = secs.longValue();
            long nanos = secs.subtract(BigDecimal.valueOf(s)).movePointRight(9).longValue();
            return Instant.ofEpochSecond(s, nanos);
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
        throw ApiException.badRequest("failed to parse value as time or duration: \"" + value + "\"");
    }

    /** A Go duration such as {@code 10m} or {@code 1h30m}; null when it is not one. */
    public static Duration goDuration(String s) {
        String v = s.startsWith("-") || s.startsWith("+") ? s.substring(1) : s;
        if (v.isEmpty()) return null;
        Matcher m = GO_DURATION_PART.matcher(v);
        int pos = 0;
        double nanos = 0;
        while (m.find() && m.start() == pos) {
            double n = Double.parseDouble(m.group(1));
            nanos += switch (m.group(2)) {
                case "ns" -> n;
                case "us", "µs" -> n * 1e3;
                case "ms" -> n * 1e6;
                case "s" -> n * 1e9;
                case "m" -> n * 60e9;
                default -> n * 3600e9;
            };
            pos = m.end();
        }
        if (pos != v.length()) return null;
        Duration d = Duration.ofNanos((long) nanos);
        return s.startsWith("-") ? d.negated() : d;
    }
}
