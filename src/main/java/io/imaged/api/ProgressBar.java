package io.imaged.api;

import java.math.BigDecimal;
import java.math.MathContext;

/** The {@code progress} string dockerd renders server-side (jsonmessage.JSONProgress with a 200-column width). */
public final class ProgressBar {
    private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};

    private ProgressBar() {
    }

    public static String render(long current, long total) {
        if (current <= 0 && total <= 0) return "";
        if (total <= 0) return String.format("%8s", humanSize(current));
        int pct = (int) ((double) current / total * 100) / 2;
        if (pct > 50) pct = 50;
        String bar = "[" + "=".repeat(pct) + ">" + " ".repeat(Math.max(0, 50 - pct)) + "] ";
        String numbers = current > total ? String.format("%8s", humanSize(current))
                : String.format("%8s", humanSize(current)) + "/" + humanSize(total);
        return bar + numbers;
    }

    /** go-units HumanSize: decimal units, 4 significant digits, no trailing zeros ({@code 1.234kB}, {@code 151B}). */
    public static String humanSize(double size) {
        int i = 0;
        while (size >= 1000 && i < UNITS.length - 1) {
            size /= 1000;
            i++;
        }
        BigDecimal d = new BigDecimal(size).round(new MathContext(4)).stripTrailingZeros();
        return d.toPlainString() + UNITS[i];
    }
}
