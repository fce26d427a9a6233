package dev.smallmind.profile;

import java.util.List;

/**
 * A horizontal bar chart: one bar per (label, series); consecutive bars with the same label form a group, drawn
 * close together and labelled once. Optional markers draw dashed reference lines (a machine limit, say), their
 * captions on two alternating rows so that neighbouring markers stay legible.
 *
 * @param name    file name stem ({@code name + ".svg"})
 * @param title   heading inside the image
 * @param unit    unit of the values (axis caption)
 * @param series  series names, indexed by {@link Bar#series()}; a legend is drawn when there are two or more
 * @param bars    the bars, top to bottom
 * @param markers reference lines
 */
public record BarChart(String name, String title, String unit, List<String> series, List<Bar> bars,
                       List<Marker> markers) {
    private static final double WIDTH = 760;
    private static final double BAR = 16;
    private static final double GROUP_GAP = 10;
    private static final double TOP = 36;
    private static final double LEGEND = 22;
    private static final double BOTTOM = 44;

    /**
     * @throws IllegalArgumentException when the name is not a plain file stem or a bar names a missing series
     */
    public BarChart {
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("chart name '" + name + "' is not a plain file name stem");
        }
        series = List.copyOf(series);
        bars = List.copyOf(bars);
        markers = List.copyOf(markers);
        for (Bar b : bars) {
            if (b.series() >= series.size()) {
                throw new IllegalArgumentException("bar '" + b.label() + "' of chart " + name + " names series "
                        + b.series() + " of " + series.size());
            }
        }
    }

    /**
     * One bar.
     *
     * @param label  category (shared by the bars of one group)
     * @param value  length, >= 0 and finite
     * @param series index into the chart's series
     */
    public record Bar(String label, double value, int series) {
        /**
         * @throws IllegalArgumentException for a negative or non-finite value or series
         */
        public Bar {
            if (!(value >= 0) || Double.isInfinite(value) || series < 0) {
                throw new IllegalArgumentException("bar '" + label + "' has value " + value + ", series " + series);
            }
        }
    }

    /**
     * A vertical reference line.
     *
     * @param label caption at its top
     * @param value position on the value axis, >= 0
     */
    public record Marker(String label, double value) {
        /**
         * @throws IllegalArgumentException for a negative or non-finite value
         */
        public Marker {
            if (!(value >= 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException("marker '" + label + "' has value " + value);
            }
        }
    }

    /** @return the file name of the image */
    public String fileName() {
        return name + ".svg";
    }

    /** @return the chart as a standalone SVG document */
    public String svg() {
        int longest = 4;
        int groups = 0;
        for (int i = 0; i < bars.size(); i++) {
            longest = Math.max(longest, bars.get(i).label().length());
            if (i == 0 || !bars.get(i).label().equals(bars.get(i - 1).label())) {
                groups++;
            }
        }
        double labelWidth = Math.min(280, 20 + 7.5 * longest);
        double x0 = labelWidth;
        double x1 = WIDTH - 80;
        double legend = series.size() > 1 ? LEGEND : 0;
        double plotTop = TOP + legend + 14 * Math.min(markers.size(), 2);
        double plotHeight = bars.size() * (BAR + 2) + groups * GROUP_GAP;
        double height = plotTop + plotHeight + BOTTOM;
        double max = 0;
        for (Bar b : bars) {
            max = Math.max(max, b.value());
        }
        for (Marker m : markers) {
            max = Math.max(max, m.value());
        }
        double axis = Svg.axisMax(max);
        double step = Svg.tickStep(max);
        double scale = (x1 - x0) / axis;
        Svg s = new Svg(WIDTH, height);
        s.text(WIDTH / 2, 22, "middle", 15, true, "#222222", title);
        if (legend > 0) {
            double x = x0;
            for (int i = 0; i < series.size(); i++) {
                s.rect(x, TOP + 2, 12, 12, Svg.colour(i), "legend");
                s.text(x + 16, TOP + 12, "start", 12, false, "#222222", series.get(i));
                x += 30 + 7 * series.get(i).length();
            }
        }
        double plotBottom = plotTop + plotHeight;
        for (int t = 0; t * step <= axis + 1e-9 * axis; t++) {
            double x = x0 + t * step * scale;
            s.line(x, plotTop, x, plotBottom, "#dddddd", 1, false);
            s.text(x, plotBottom + 16, "middle", 11, false, "#444444", Svg.value(t * step));
        }
        s.text((x0 + x1) / 2, plotBottom + 36, "middle", 12, false, "#444444", unit);
        double y = plotTop + GROUP_GAP / 2;
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            boolean first = i == 0 || !b.label().equals(bars.get(i - 1).label());
            if (first && i > 0) {
                y += GROUP_GAP;
            }
            if (first) {
                s.text(x0 - 8, y + BAR - 4, "end", 12, false, "#222222", b.label());
            }
            double w = b.value() * scale;
            s.rect(x0, y, Math.max(w, 0.5), BAR, Svg.colour(b.series()), "bar");
            s.text(x0 + w + 4, y + BAR - 4, "start", 11, false, "#222222", Svg.value(b.value()));
            y += BAR + 2;
        }
        s.line(x0, plotTop, x0, plotBottom, "#888888", 1, false);
        for (int i = 0; i < markers.size(); i++) {
            Marker m = markers.get(i);
            double x = x0 + m.value() * scale;
            double captionY = plotTop - 6 - 14 * (i % 2);
            s.line(x, captionY + 2, x, plotBottom, "#C00000", 1.5, true);
            s.text(x, captionY, "middle", 11, false, "#C00000", m.label() + " " + Svg.value(m.value()));
        }
        return s.finish();
    }
}
