package dev.smallmind.cli;

import dev.smallmind.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CI check of {@code smallmind bench}: two {@code --quick} runs into a temporary folder (synthesizing the
 * small model once, reusing it the second time), then the report's structure and the consistency of its figures.
 * Speed is not asserted; that every figure exists, is positive where it must be and agrees with its neighbours is,
 * and that the reported decode collected no garbage and allocated under 1 KB of heap per token.
 */
class BenchCommandTest {
    private record Run(int code, String out, String err) {
    }

    private static Run bench(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] argv = new String[args.length + 1];
        argv[0] = "bench";
        System.arraycopy(args, 0, argv, 1, args.length);
        int code = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void quickReportTwiceThenCompare(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("report");
        Path work = tmp.resolve("work");
        Run first = bench("--quick", "--out", out.toString(), "--work", work.toString());
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("SmallMind bench (quick, "), first.out());
        assertTrue(first.out().contains("#"), "ASCII bars:\n" + first.out());
        assertTrue(first.err().contains("bench --quick ["), "progress bar on stderr");
        Matcher progress = Pattern.compile("\\] (\\d+)/(\\d+) ").matcher(first.err());
        String last = null;
        while (progress.find()) {
            last = progress.group(1) + "/" + progress.group(2);
        }
        assertTrue(last != null && last.split("/")[0].equals(last.split("/")[1]), "the bar ends full: " + last);
        Path models = work.resolve("models");
        try (var files = Files.list(models)) {
            assertEquals(1, files.filter(p -> p.toString().endsWith(".gguf")).count(), "the small model, cached");
        }
        Path saved = tmp.resolve("first.json");
        Files.copy(out.resolve("report.json"), saved);

        Run second = bench("--quick", "--out", out.toString(), "--work", work.toString(), "--compare",
                saved.toString());
        assertEquals(0, second.code(), second.err());
        assertTrue(second.out().contains("figures compared with " + saved), second.out());
        assertEquals(2, Files.readAllLines(out.resolve("history.jsonl")).size(), "one history line per run");
        for (String line : Files.readAllLines(out.resolve("history.jsonl"))) {
            assertTrue(((Map<?, ?>) Json.parse(line)).get("figures") instanceof Map<?, ?>);
        }

        String md = Files.readString(out.resolve("report.md"));
        for (String heading : List.of("## Machine limits", "## Matrix multiplication", "## Element-wise kernels",
                "## Inference", "## Memory", "## Hot path", "## Trend", "## Comparison with")) {
            assertTrue(md.contains(heading), "report.md lacks " + heading);
        }
        List<String> images = images(md);
        assertTrue(images.size() >= 10, "charts: " + images);
        for (String image : images) {
            Path svg = out.resolve(image);
            assertTrue(Files.isRegularFile(svg), "report.md links to a missing " + image);
            var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
            assertEquals("svg", doc.getDocumentElement().getNodeName(), image);
        }
        assertTrue(images.containsAll(List.of("matmul-gemm.svg", "matmul-matvec.svg", "elementwise.svg",
                "inference-decode.svg", "memory-arena.svg", "trend-decode.svg")), images.toString());

        checkFigures(Files.readString(out.resolve("report.json")));
    }

    private static List<String> images(String md) {
        Matcher m = Pattern.compile("!\\[[^\\]]*\\]\\(([^)]+)\\)").matcher(md);
        List<String> images = new ArrayList<>();
        while (m.find()) {
            images.add(m.group(1));
        }
        return images;
    }

    private static void checkFigures(String json) {
        Map<?, ?> doc = (Map<?, ?>) Json.parse(json);
        Map<?, ?> machine = (Map<?, ?>) doc.get("machine");
        for (String key : List.of("cpu", "cores", "vector_bits", "jdk", "date", "commit")) {
            assertTrue(machine.get(key) != null, "machine line lacks " + key);
        }
        assertEquals("quick", doc.get("mode"));
        java.util.Map<String, Double> v = new java.util.HashMap<>();
        java.util.Map<String, String> unit = new java.util.HashMap<>();
        for (Object s : (List<?>) doc.get("sections")) {
            for (Object o : (List<?>) ((Map<?, ?>) s).get("figures")) {
                Map<?, ?> f = (Map<?, ?>) o;
                String id = (String) f.get("id");
                v.put(id, ((Number) f.get("value")).doubleValue());
                unit.put(id, (String) f.get("unit"));
                assertFalse(((String) f.get("unit")).isEmpty(), id + " has a unit");
            }
        }
        int cores = ((Number) machine.get("cores")).intValue();
        int max = cores > 1 ? cores : 1;
        for (int t : cores > 1 ? new int[] {1, max} : new int[] {1}) {
            assertPositive(v, "limits.fma.t" + t);
            assertPositive(v, "gemm.f32.256.t" + t);
            assertPositive(v, "matvec.f32.t" + t);
            assertPositive(v, "infer.small-f32.t" + t + ".prefill");
            assertPositive(v, "infer.small-f32.t" + t + ".decode");
            assertPositive(v, "infer.small-f32.t" + t + ".ttft");
            assertPositive(v, "infer.small-f32.t" + t + ".token_p50");
            assertTrue(v.get("infer.small-f32.t" + t + ".token_p99") >= v.get("infer.small-f32.t" + t + ".token_p50"),
                    "the tail is no shorter than the median");
            assertEquals("ms", unit.get("infer.small-f32.t" + t + ".token_p99"));
            assertEquals(v.get("gemm.f32.256.t" + t) / v.get("limits.fma.t" + t) * 100,
                    v.get("gemm.f32.256.t" + t + ".pct_peak"), 1e-6 * v.get("gemm.f32.256.t" + t + ".pct_peak"),
                    "the % of peak is the ratio of the two figures");
        }
        assertPositive(v, "ew.add.256K");
        assertPositive(v, "ew.rmsnorm.256K");
        assertEquals("GB/s", unit.get("ew.add.256K"));
        assertEquals("tok/s", unit.get("infer.small-f32.t1.decode"));

        double collections = v.get("mem.small-f32.gc_collections");
        double heapPerToken = v.get("mem.small-f32.heap_per_token");
        System.out.println("bench --quick, small-f32 decode on " + max + " thread(s): " + (int) collections
                + " GC collections, " + heapPerToken + " heap bytes/token");
        // The issue's bound for a decode after warm-up; the report once showed 401 KiB per token here.
        assertEquals(0, collections, "GC collections during the reported decode");
        assertTrue(heapPerToken < 1024, "heap bytes per decoded token: " + heapPerToken);
        for (String g : List.of("decode", "prefill")) {
            double reuse = v.get("mem.small-f32." + g + ".reuse");
            double peak = v.get("mem.small-f32." + g + ".arena_peak");
            double total = v.get("mem.small-f32." + g + ".intermediates");
            assertTrue(reuse >= 0 && reuse < 1, g + " reuse " + reuse);
            assertTrue(peak > 0 && peak <= total, g + " peak " + peak + " within the sum " + total);
            assertEquals(1 - peak / total, reuse, 1e-9);
        }
        assertTrue(v.get("mem.small-f32.prefill.arena_peak") >= v.get("mem.small-f32.decode.arena_peak"),
                "a batch of tokens needs at least the arena of one token");
        // small preset: 6 layers, 6 KV heads of 48 dims, keys and values, F16 (the default cache)
        assertEquals(6 * 2 * 288 * 2, v.get("mem.small-f32.kv_per_token"));
        assertPositive(v, "mem.small-f32.rss_loaded");
        assertTrue(v.get("mem.small-f32.rss_after_run") >= v.get("mem.small-f32.weights") / 2,
                "after a generation most of the weights are resident");

        double total = v.get("hot.small-f32.total");
        assertTrue(total > 0);
        double kinds = 0;
        double shares = 0;
        for (Map.Entry<String, Double> e : v.entrySet()) {
            if (e.getKey().matches("hot\\.small-f32\\.kind\\.[a-z_]+")) {
                kinds += e.getValue();
            } else if (e.getKey().matches("hot\\.small-f32\\.kind\\.[a-z_]+\\.share")) {
                shares += e.getValue();
            }
        }
        assertEquals(total, kinds, 1e-6 * total, "op kinds add up to the step");
        assertEquals(100, shares, 1e-6, "shares add up to 100 %");
        assertPositive(v, "hot.small-f32.kind.matmul");
        assertPositive(v, "hot.small-f32.node.attn_qkv");
    }

    private static void assertPositive(Map<String, Double> v, String id) {
        Double x = v.get(id);
        assertTrue(x != null, "report.json lacks " + id);
        assertTrue(x > 0 && Double.isFinite(x), id + " = " + x);
    }

    @Test
    void rejectsBadReportOptionsBeforeMeasuring(@TempDir Path tmp) {
        Run bad = bench("--quick", "--compare", tmp.resolve("missing.json").toString(), "--out", tmp.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("no such report to compare with"), bad.err());
        Run threshold = bench("--threshold", "0", "--out", tmp.toString());
        assertEquals(2, threshold.code());
        assertTrue(threshold.err().contains("--threshold"), threshold.err());
        Run tableOption = bench("-p", "16", "--out", tmp.toString());
        assertEquals(2, tableOption.code(), "-p belongs to the -m table mode");
        assertTrue(tableOption.err().contains("unknown option -p"), tableOption.err());
        Run threads = bench("-t", "1,x", "--out", tmp.toString());
        assertEquals(2, threads.code());
        assertFalse(Files.exists(tmp.resolve("report.md")), "nothing was written");
    }

    @Test
    void compareRejectsAFileThatIsNotAReport(@TempDir Path tmp) throws Exception {
        Path notReport = tmp.resolve("x.json");
        Files.writeString(notReport, "{\"a\": 1}");
        Run r = bench("--quick", "--compare", notReport.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not a smallmind bench report"), r.err());
    }
}
