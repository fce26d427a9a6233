package dev.smallmind.profile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An earlier report against a new one, figure by figure (matched by id): the ratio new/old, and a regression
 * flag where a figure with a direction moved the wrong way by more than the threshold. Only directed figures are
 * compared; descriptive ones (sizes, shares) are left out.
 *
 * @param baseline  name of the earlier report (for headings)
 * @param threshold relative change that counts, e.g. 0.10
 * @param rows      one per directed figure present in both
 * @param missing   ids of directed figures of the earlier report that the new one lacks
 */
public record Comparison(String baseline, double threshold, List<Row> rows, List<String> missing) {
    /** Copies the lists. */
    public Comparison {
        rows = List.copyOf(rows);
        missing = List.copyOf(missing);
    }

    /**
     * One compared figure.
     *
     * @param before     the earlier value
     * @param after      the new value
     * @param ratio      {@code after / before}; NaN when {@code before} is 0
     * @param regression whether it got worse by more than the threshold
     */
    public record Row(Figure before, Figure after, double ratio, boolean regression) {
        /** @return whether it got better by more than the threshold */
        boolean improvement(double threshold) {
            if (Double.isNaN(ratio) || regression) {
                return false;
            }
            return after.better() == Better.HIGHER ? ratio > 1 + threshold : ratio < 1 - threshold;
        }
    }

    /**
     * @param baseline  name of the earlier report
     * @param before    its figures by id
     * @param after     the new figures by id
     * @param threshold relative change that counts as a regression (> 0)
     * @return the comparison
     */
    public static Comparison of(String baseline, Map<String, Figure> before, Map<String, Figure> after,
                                double threshold) {
        if (!(threshold > 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("regression threshold must be > 0, got " + threshold);
        }
        List<Row> rows = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Figure b : before.values()) {
            if (b.better() == Better.NONE) {
                continue;
            }
            Figure a = after.get(b.id());
            if (a == null) {
                missing.add(b.id());
                continue;
            }
            double ratio = b.value() == 0 ? Double.NaN : a.value() / b.value();
            boolean worse;
            if (b.better() == Better.HIGHER) {
                worse = b.value() > 0 && ratio < 1 - threshold;
            } else {
                worse = b.value() == 0 ? a.value() > 0 : ratio > 1 + threshold;
            }
            rows.add(new Row(b, a, ratio, worse));
        }
        return new Comparison(baseline, threshold, rows, missing);
    }

    /** @return rows flagged as regressions */
    public int regressions() {
        int n = 0;
        for (Row r : rows) {
            if (r.regression()) {
                n++;
            }
        }
        return n;
    }

    /** @return rows that improved beyond the threshold */
    public int improvements() {
        int n = 0;
        for (Row r : rows) {
            if (r.improvement(threshold)) {
                n++;
            }
        }
        return n;
    }

    /** @return a one-line verdict */
    public String verdict() {
        return String.format(Locale.ROOT, "%d figures compared with %s: %d regressions, %d improvements beyond %.0f %%"
                + "%s", rows.size(), baseline, regressions(), improvements(), 100 * threshold,
                missing.isEmpty() ? "" : ", " + missing.size() + " no longer measured");
    }

    /**
     * @return a plain-text table for the terminal: the regressions, then the improvements (the figures within the
     *         threshold are only counted; {@link #markdown()} lists every figure)
     */
    public String text() {
        List<Row> shown = new ArrayList<>();
        for (Row r : rows) {
            if (r.regression()) {
                shown.add(r);
            }
        }
        for (Row r : rows) {
            if (r.improvement(threshold)) {
                shown.add(r);
            }
        }
        int width = 20;
        for (Row r : shown) {
            width = Math.max(width, r.after().label().length());
        }
        StringBuilder b = new StringBuilder();
        for (Row r : shown) {
            b.append(String.format(Locale.ROOT, "  %-" + width + "s %14s -> %-14s %7s%s%n", r.after().label(),
                    Units.format(r.before().value(), r.before().unit()), Units.format(r.after().value(),
                            r.after().unit()), ratio(r.ratio()), r.regression() ? "  REGRESSION" : "  better"));
        }
        return b.append(verdict()).append('\n').toString();
    }

    /** @return a markdown table */
    public String markdown() {
        StringBuilder b = new StringBuilder("| figure | before | after | new/old | |\n|---|---:|---:|---:|---|\n");
        for (Row r : rows) {
            b.append("| ").append(r.after().label()).append(" | ")
                    .append(Units.format(r.before().value(), r.before().unit())).append(" | ")
                    .append(Units.format(r.after().value(), r.after().unit())).append(" | ").append(ratio(r.ratio()))
                    .append(" | ").append(r.regression() ? "**regression**" : r.improvement(threshold) ? "better" : "")
                    .append(" |\n");
        }
        return b.append('\n').append(verdict()).append('\n').toString();
    }

    private static String ratio(double r) {
        return Double.isNaN(r) ? "n/a" : String.format(Locale.ROOT, "x%.2f", r);
    }
}
