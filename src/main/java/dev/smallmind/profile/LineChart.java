package dev.smallmind.profile;

import java.util.List;

/**
 * A line chart of several series over the same x positions (the report's trend over past runs). Missing values
 * (NaN) break a line into separate segments; every present value is also drawn as a dot, so a run with a single
 * point still shows.
 *
 * @param name    file name stem ({@code name + ".svg"})
 * @param title   heading inside the image
 * @param unit    unit of the values (shown after the title)
 * @param xLabels one label per x position
 * @param series  the lines
 */
public record LineChart(String name, String title, String unit, List<String> xLabels, List<Series> series) {
    private static final double WIDTH = 760;
    private static final double HEIGHT = 340;
    private static final double LEFT = 64;
    private static final double RIGHT = 24;
    private static final double BOTTOM = 52;
    private static final int MAX_X_LABELS = 8;

    /**
     * @throws IllegalArgumentException when the name is not a plain file stem or a series' length differs from the
     *                                  number of x labels
     */
    public LineChart {
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("chart name '" + name + "' is not a plain file name stem");
        }
        xLabels = List.copyOf(xLabels);
        series = List.copyOf(series);
        for (Series s : series) {
            if (s.values().length != xLabels.size()) {
                throw new IllegalArgumentException("series '" + s.name() + "' of chart " + name + " has "
                        + s.values().length + " values for " + xLabels.size() + " x positions");
            }
        }
    }

    /**
     * One line.
     *
     * @param name   legend text
     * @param values one value per x position, NaN where missing; present values must be >= 0
     */
    public record Series(String name, double[] values) {
        /**
         * @throws IllegalArgumentException for a negative or infinite value
         */
        public Series {
            values = values.clone();
            for (double v : values) {
                if (v < 0 || Double.isInfinite(v)) {
                    throw new IllegalArgumentException("series '" + name + "' has value " + v);
                }
            }
        }
    }

    /** @return the file name of the image */
    public String fileName() {
        return name + ".svg";
    }

    /** @return the chart as a standalone SVG document */
    public String svg() {
        int rows = (series.size() + 2) / 3;
        double top = 36 + rows * 18 + 8;
        double x0 = LEFT;
        double x1 = WIDTH - RIGHT;
        double y1 = HEIGHT - BOTTOM;
        double max = 0;
        for (Series s : series) {
            for (double v : s.values()) {
                if (v > max) {
                    max = v;
                }
            }
        }
        double axis = Svg.axisMax(max);
        double step = Svg.tickStep(max);
        Svg svg = new Svg(WIDTH, HEIGHT);
        svg.text(WIDTH / 2, 22, "middle", 15, true, "#222222", title + " (" + unit + ")");
        for (int i = 0; i < series.size(); i++) {
            double lx = x0 + (i % 3) * 230;
            double ly = 36 + (i / 3) * 18;
            svg.rect(lx, ly, 12, 12, Svg.colour(i), "legend");
            svg.text(lx + 16, ly + 10, "start", 12, false, "#222222", series.get(i).name());
        }
        for (int t = 0; t * step <= axis + 1e-9 * axis; t++) {
            double y = y1 - t * step * (y1 - top) / axis;
            svg.line(x0, y, x1, y, "#dddddd", 1, false);
            svg.text(x0 - 6, y + 4, "end", 11, false, "#444444", Svg.value(t * step));
        }
        svg.line(x0, top, x0, y1, "#888888", 1, false);
        svg.line(x0, y1, x1, y1, "#888888", 1, false);
        int n = xLabels.size();
        double[] xs = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = n == 1 ? (x0 + x1) / 2 : x0 + 12 + i * (x1 - x0 - 24) / (n - 1);
        }
        int every = Math.max(1, (n + MAX_X_LABELS - 1) / MAX_X_LABELS);
        for (int i = 0; i < n; i++) {
            if (i % every == 0 || i == n - 1) {
                svg.text(xs[i], y1 + 18, "middle", 11, false, "#444444", xLabels.get(i));
            }
        }
        svg.text((x0 + x1) / 2, HEIGHT - 12, "middle", 12, false, "#444444", "run");
        for (int i = 0; i < series.size(); i++) {
            double[] v = series.get(i).values();
            double[] ys = new double[n];
            for (int j = 0; j < n; j++) {
                ys[j] = y1 - v[j] * (y1 - top) / axis;
            }
            String colour = Svg.colour(i);
            int start = -1;
            for (int j = 0; j <= n; j++) {
                boolean present = j < n && !Double.isNaN(v[j]);
                if (present && start < 0) {
                    start = j;
                } else if (!present && start >= 0) {
                    if (j - start >= 2) {
                        svg.polyline(xs, ys, start, j, colour);
                    }
                    start = -1;
                }
            }
            for (int j = 0; j < n; j++) {
                if (!Double.isNaN(v[j])) {
                    svg.circle(xs[j], ys[j], 3, colour);
                }
            }
        }
        return svg.finish();
    }
}
