package dev.smallmind.profile;

import java.util.Locale;

/**
 * A minimal SVG document builder for the report's charts: shapes and text with escaped content, coordinates with
 * one decimal, and the axis arithmetic (a "nice" upper bound and its ticks) both chart kinds share.
 */
final class Svg {
    /** Series colours (colour-blind-safe Okabe-Ito hues). */
    private static final String[] PALETTE = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
            "#F0E442", "#000000"};
    private static final String FONT = "font-family=\"sans-serif\"";

    private final StringBuilder out = new StringBuilder(4096);

    Svg(double width, double height) {
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(n(width)).append("\" height=\"")
                .append(n(height)).append("\" viewBox=\"0 0 ").append(n(width)).append(' ').append(n(height))
                .append("\">\n");
        rect(0, 0, width, height, "#ffffff", null);
    }

    /** @return the colour of series {@code i} */
    static String colour(int i) {
        return PALETTE[Math.floorMod(i, PALETTE.length)];
    }

    /** @param kind CSS class naming what the shape shows (tests and style sheets find shapes by it), or null */
    Svg rect(double x, double y, double w, double h, String fill, String kind) {
        out.append("<rect");
        if (kind != null) {
            out.append(" class=\"").append(kind).append('"');
        }
        out.append(" x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" width=\"").append(n(w))
                .append("\" height=\"").append(n(h)).append("\" fill=\"").append(fill).append("\"/>\n");
        return this;
    }

    Svg line(double x1, double y1, double x2, double y2, String stroke, double width, boolean dashed) {
        out.append("<line x1=\"").append(n(x1)).append("\" y1=\"").append(n(y1)).append("\" x2=\"").append(n(x2))
                .append("\" y2=\"").append(n(y2)).append("\" stroke=\"").append(stroke).append("\" stroke-width=\"")
                .append(n(width)).append('"');
        if (dashed) {
            out.append(" stroke-dasharray=\"4 3\"");
        }
        out.append("/>\n");
        return this;
    }

    Svg polyline(double[] xs, double[] ys, int from, int to, String stroke) {
        out.append("<polyline class=\"series\" fill=\"none\" stroke=\"").append(stroke)
                .append("\" stroke-width=\"2\" points=\"");
        for (int i = from; i < to; i++) {
            if (i > from) {
                out.append(' ');
            }
            out.append(n(xs[i])).append(',').append(n(ys[i]));
        }
        out.append("\"/>\n");
        return this;
    }

    Svg circle(double x, double y, double r, String fill) {
        out.append("<circle class=\"point\" cx=\"").append(n(x)).append("\" cy=\"").append(n(y)).append("\" r=\"")
                .append(n(r)).append("\" fill=\"").append(fill).append("\"/>\n");
        return this;
    }

    /**
     * @param anchor start, middle or end
     * @param size   font size in pixels
     * @param bold   bold weight
     */
    Svg text(double x, double y, String anchor, int size, boolean bold, String fill, String content) {
        out.append("<text x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" ").append(FONT)
                .append(" font-size=\"").append(size).append("\" text-anchor=\"").append(anchor).append("\" fill=\"")
                .append(fill).append('"');
        if (bold) {
            out.append(" font-weight=\"bold\"");
        }
        out.append('>').append(escape(content)).append("</text>\n");
        return this;
    }

    String finish() {
        return out.append("</svg>\n").toString();
    }

    /** @return {@code s} with the five XML special characters escaped and control characters dropped */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> {
                    if (c >= 0x20 || c == '\t') {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** @return a coordinate with at most one decimal */
    static String n(double v) {
        double r = Math.round(v * 10) / 10.0;
        return r == Math.rint(r) ? Long.toString((long) r) : String.format(Locale.ROOT, "%.1f", r);
    }

    /** @return a value label with about three significant digits */
    static String value(double v) {
        double a = Math.abs(v);
        if (a >= 100 || v == Math.rint(v) && a < 1e15) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v);
    }

    /**
     * @param max the largest value to show (may be 0)
     * @return the smallest "nice" step (1, 2 or 5 times a power of ten) such that 5 steps or fewer cover {@code max}
     */
    static double tickStep(double max) {
        if (!(max > 0)) {
            return 1;
        }
        double raw = max / 5;
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * power >= raw) {
                return m * power;
            }
        }
        return 10 * power;
    }

    /** @return the axis end: {@code max} rounded up to a whole number of {@link #tickStep} steps */
    static double axisMax(double max) {
        double step = tickStep(max);
        return Math.max(step, Math.ceil(max / step - 1e-9) * step);
    }
}
