package dev.smallmind.profile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportWriterTest {
    private static final Pattern IMAGE = Pattern.compile("!\\[[^\\]]*\\]\\(([^)]+)\\)");

    /** @return the image files report.md links to, after checking each exists and parses as SVG */
    static List<String> checkImages(Path dir) throws Exception {
        String md = Files.readString(dir.resolve(ReportWriter.MARKDOWN));
        Matcher m = IMAGE.matcher(md);
        List<String> images = new java.util.ArrayList<>();
        while (m.find()) {
            Path svg = dir.resolve(m.group(1));
            assertTrue(Files.isRegularFile(svg), "report.md links to a missing " + svg);
            assertEquals("svg", SvgChartTest.parse(Files.readString(svg)).getDocumentElement().getLocalName());
            images.add(m.group(1));
        }
        return images;
    }

    @Test
    void writesMarkdownJsonChartsAndOneHistoryLinePerRun(@TempDir Path dir) throws Exception {
        ReportWriter.write(ReportFixtures.report("2026-01-01T10:00:00Z", 1), dir, null);
        Path md = ReportWriter.write(ReportFixtures.report("2026-01-02T11:30:00Z", 1.1), dir, null);
        assertEquals(dir.resolve("report.md"), md);
        List<String> images = checkImages(dir);
        assertTrue(images.containsAll(List.of("matmul-gemm.svg", "trend-decode.svg", "trend-gemm.svg")),
                images.toString());
        assertEquals(2, Files.readAllLines(dir.resolve(ReportWriter.HISTORY)).size());
        List<History.Entry> history = History.read(dir.resolve(ReportWriter.HISTORY));
        assertEquals(440, history.get(1).figures().get("infer.small-f32.t1.decode"), 1e-9);
        assertEquals(Report.figures(Files.readString(dir.resolve(ReportWriter.JSON))),
                ReportFixtures.report("2026-01-02T11:30:00Z", 1.1).figures());
        String text = Files.readString(md);
        assertTrue(text.contains("| GEMM F32 n=512, 2 threads | 253 GFLOPS | `gemm.f32.512.t2` |"), text);
        assertTrue(text.contains("## Matrix multiplication\n\nGEMM | matvec\n"), "heading and explanation");
        assertEquals("a \\| b \\[c\\]", MarkdownReport.escape("a | b [c]"), "table-breaking characters are escaped");
        assertTrue(text.contains("> Note: matvec q4_K not measured: no kernel"));
        assertTrue(text.contains("| mode | full |"));
        assertTrue(text.contains("| run time | 150 s |"));
        assertTrue(text.contains("The last 2 full run(s)"));
        assertFalse(text.contains("## Comparison"));
    }

    @Test
    void trendChartsFollowTheHistoryAndLeaveGapsForMissingFigures(@TempDir Path dir) throws Exception {
        History.Entry a = new History.Entry("2026-01-01T10:00:00Z", "c1", "full",
                java.util.Map.of("infer.small-f32.t1.decode", 300.0));
        History.Entry b = new History.Entry("2026-01-02T10:00:00Z", "c2", "full", java.util.Map.of());
        History.Entry c = new History.Entry("2026-01-03T10:00:00Z", "c3", "full",
                java.util.Map.of("infer.small-f32.t1.decode", 350.0, "gemm.f32.512.t1", 100.0));
        List<LineChart> charts = ReportWriter.trend(ReportFixtures.report("2026-01-03T10:00:00Z", 1), List.of(a, b, c));
        assertEquals(2, charts.size());
        LineChart decode = charts.get(0);
        assertEquals(List.of("01-01 10:00", "01-02 10:00", "01-03 10:00"), decode.xLabels());
        assertEquals("small-f32, 1 thread", decode.series().get(0).name());
        double[] v = decode.series().get(0).values();
        assertEquals(300, v[0]);
        assertTrue(Double.isNaN(v[1]));
        assertEquals(350, v[2]);
        LineChart gemm = charts.get(1);
        assertEquals(2, gemm.series().size(), "the largest GEMM size at each thread count");
    }

    @Test
    void quickAndFullRunsKeepSeparateTrends(@TempDir Path dir) throws Exception {
        ReportWriter.write(ReportFixtures.report("2026-01-01T10:00:00Z", 1), dir, null);
        Report quick = new Report(ReportFixtures.machine("2026-01-02T10:00:00Z"), "quick", 12,
                ReportFixtures.report("x", 1).sections());
        ReportWriter.write(quick, dir, null);
        assertEquals(2, Files.readAllLines(dir.resolve(ReportWriter.HISTORY)).size());
        assertTrue(Files.readString(dir.resolve("report.md")).contains("The last 1 quick run(s)"));
    }

    @Test
    void unreadableHistoryLinesAreSkipped(@TempDir Path dir) throws Exception {
        Path h = dir.resolve(ReportWriter.HISTORY);
        Files.writeString(h, "{not json\n\n{\"date\": \"2026-01-01T00:00:00Z\", \"figures\": {\"a\": 1}}\n");
        History.append(h, ReportFixtures.report("2026-01-02T00:00:00Z", 1));
        List<History.Entry> entries = History.read(h);
        assertEquals(2, entries.size());
        assertEquals(1.0, entries.get(0).figures().get("a"));
        assertEquals("full", entries.get(0).mode());
    }

    @Test
    void includesTheComparisonWhenGiven(@TempDir Path dir) throws Exception {
        Report old = ReportFixtures.report("2026-01-01T10:00:00Z", 1);
        Report now = ReportFixtures.report("2026-01-02T10:00:00Z", 0.8);
        ReportWriter.write(now, dir, Comparison.of("old/report.json", old.figures(), now.figures(), 0.1));
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("## Comparison with old/report.json"));
        assertTrue(md.contains("**regression**"));
    }
}
