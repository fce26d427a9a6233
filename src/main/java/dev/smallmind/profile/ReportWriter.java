package dev.smallmind.profile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes a report folder: {@code report.md}, {@code report.json}, one SVG per chart, and the run appended to
 * {@code history.jsonl}, whose last runs of the same mode become the trend charts.
 */
public final class ReportWriter {
    /** Past runs shown in the trend charts. */
    static final int TREND_RUNS = 20;
    /** Name of the markdown report. */
    public static final String MARKDOWN = "report.md";
    /** Name of the JSON report. */
    public static final String JSON = "report.json";
    /** Name of the history file. */
    public static final String HISTORY = "history.jsonl";

    private ReportWriter() {
    }

    /**
     * @param report     the run
     * @param dir        output folder (created when missing; files of an earlier run are replaced, the history
     *                   is appended to)
     * @param comparison comparison with an earlier report to include, or null
     * @return the markdown report's path
     * @throws IOException when a file cannot be written
     */
    public static Path write(Report report, Path dir, Comparison comparison) throws IOException {
        Files.createDirectories(dir);
        for (Section s : report.sections()) {
            for (BarChart c : s.charts()) {
                Files.writeString(dir.resolve(c.fileName()), c.svg(), StandardCharsets.UTF_8);
            }
        }
        Files.writeString(dir.resolve(JSON), report.toJson() + "\n", StandardCharsets.UTF_8);
        Path history = dir.resolve(HISTORY);
        History.append(history, report);
        List<History.Entry> runs = new ArrayList<>();
        for (History.Entry e : History.read(history)) {
            if (e.mode().equals(report.mode())) {
                runs.add(e);
            }
        }
        runs = runs.subList(Math.max(0, runs.size() - TREND_RUNS), runs.size());
        List<LineChart> trend = trend(report, runs);
        for (LineChart c : trend) {
            Files.writeString(dir.resolve(c.fileName()), c.svg(), StandardCharsets.UTF_8);
        }
        Path md = dir.resolve(MARKDOWN);
        Files.writeString(md, MarkdownReport.render(report, trend, runs.size(), comparison), StandardCharsets.UTF_8);
        return md;
    }

    /** @return line charts of decode speed and of the largest GEMM over the given runs */
    static List<LineChart> trend(Report report, List<History.Entry> runs) {
        List<LineChart> charts = new ArrayList<>();
        if (runs.isEmpty()) {
            return charts;
        }
        List<String> x = new ArrayList<>();
        for (History.Entry e : runs) {
            x.add(e.date().length() >= 16 ? e.date().substring(5, 16).replace('T', ' ') : e.date());
        }
        List<Figure> all = new ArrayList<>(report.figures().values());
        addTrend(charts, "trend-decode", "Decode speed over runs", "tok/s",
                TerminalSummary.select(all, Pattern.compile("infer\\..+\\.decode")), ": decode", runs, x);
        addTrend(charts, "trend-gemm", "Largest F32 GEMM over runs", "GFLOPS",
                TerminalSummary.select(all, Pattern.compile("gemm\\.f32\\.(\\d+)\\.t\\d+")), "", runs, x);
        return charts;
    }

    private static void addTrend(List<LineChart> charts, String name, String title, String unit, List<Figure> figures,
                                 String labelSuffix, List<History.Entry> runs, List<String> x) {
        if (figures.isEmpty()) {
            return;
        }
        Map<String, double[]> values = new LinkedHashMap<>();
        for (Figure f : figures) {
            double[] v = new double[runs.size()];
            Arrays.fill(v, Double.NaN);
            for (int i = 0; i < runs.size(); i++) {
                Double d = runs.get(i).figures().get(f.id());
                if (d != null && d >= 0 && !d.isInfinite()) {
                    v[i] = d;
                }
            }
            values.put(f.label().replace(labelSuffix, ""), v);
        }
        List<LineChart.Series> series = new ArrayList<>();
        for (Map.Entry<String, double[]> e : values.entrySet()) {
            series.add(new LineChart.Series(e.getKey(), e.getValue()));
        }
        charts.add(new LineChart(name, title, unit, x, series));
    }
}
