package dev.smallmind.profile;

import java.util.Locale;

/** How figures are written for people: bytes in binary units, ratios as percentages, about 3 significant digits. */
final class Units {
    private Units() {
    }

    /**
     * @param value a figure's value
     * @param unit  its unit
     * @return value and unit as text ({@code 12.3 MiB}, {@code 81.0 %}, {@code 263 GFLOPS})
     */
    static String format(double value, String unit) {
        return switch (unit) {
            case "B" -> bytes(value);
            case "B/token" -> bytes(value) + "/token";
            case "ratio" -> String.format(Locale.ROOT, "%.1f %%", 100 * value);
            case "%" -> String.format(Locale.ROOT, "%.1f %%", value);
            case "count" -> String.format(Locale.ROOT, "%.0f", value);
            default -> number(value) + " " + unit;
        };
    }

    /** @return about three significant digits, no exponent */
    static String number(double v) {
        double a = Math.abs(v);
        String pattern = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : a == 0 ? "%.0f" : "%.3f";
        return String.format(Locale.ROOT, pattern, v);
    }

    /** @return a byte count in B, KiB, MiB or GiB */
    static String bytes(double b) {
        double a = Math.abs(b);
        if (a < 1024) {
            return String.format(Locale.ROOT, "%.0f B", b);
        }
        if (a < 1024 * 1024) {
            return number(b / 1024) + " KiB";
        }
        if (a < 1024.0 * 1024 * 1024) {
            return number(b / 1048576) + " MiB";
        }
        return number(b / 1073741824.0) + " GiB";
    }
}
