package dev.smallmind.cli;

import dev.smallmind.generate.LanguageModel;
import dev.smallmind.json.JsonWriter;
import dev.smallmind.profile.Comparison;
import dev.smallmind.profile.Figure;
import dev.smallmind.profile.PerformanceReport;
import dev.smallmind.profile.Report;
import dev.smallmind.profile.ReportWriter;
import dev.smallmind.profile.TerminalSummary;
import dev.smallmind.profile.ThroughputBench;
import dev.smallmind.parallel.WorkerPool;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code smallmind bench}: without {@code -m}, profiles the engine on synthesized models and writes the
 * performance report (markdown, JSON, SVG charts, history) with a summary on the terminal; with {@code -m FILE},
 * llama-bench's table (pp and tg tokens per second per thread count) for that model file.
 */
final class BenchCommand {
    int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        Args a = new Args(argv, Set.of("--json", "--quick"));
        String model = a.string("--model", "-m", null);
        return model == null ? report(a, out, err) : table(a, Path.of(model), out, err);
    }

    private int report(Args a, PrintStream out, PrintStream err) throws IOException {
        boolean quick = a.flag("--quick");
        Path dir = Path.of(a.string("--out", "-o", "bench-report"));
        Path work = Path.of(a.string("--work", null, ".smallmind"));
        String threads = a.string("--threads", "-t", null);
        String vocab = a.string("--vocab", null, null);
        String compare = a.string("--compare", null, null);
        int threshold = a.integer("--threshold", null, 10);
        boolean json = a.flag("--json");
        List<Path> extra = new ArrayList<>();
        for (String f : a.all("--model-extra")) {
            extra.add(Path.of(f));
        }
        a.finish();
        for (Path f : extra) {
            if (!Files.isRegularFile(f)) {
                throw new UsageException("no such model file: " + f);
            }
        }
        if (vocab != null && !Files.isRegularFile(Path.of(vocab))) {
            throw new UsageException("no such vocabulary file: " + vocab);
        }
        if (threshold < 1 || threshold > 99) {
            throw new UsageException("--threshold must be a percentage between 1 and 99, got " + threshold);
        }
        Map<String, Figure> before = compare == null ? null : earlierFigures(Path.of(compare));
        PerformanceReport.Settings defaults = PerformanceReport.Settings.defaults(quick);
        PerformanceReport.Settings settings = new PerformanceReport.Settings(quick,
                threads == null ? defaults.threads() : threadList(threads), work.resolve("models"),
                vocab == null ? defaults.vocab() : Path.of(vocab), extra);
        ProgressBar bar = new ProgressBar(err, quick ? "bench --quick" : "bench", PerformanceReport.steps(settings));
        int[] done = {0};
        bar.update(0);
        Report report = PerformanceReport.run(settings, what -> bar.update(++done[0]));
        bar.done();
        Comparison comparison = before == null ? null
                : Comparison.of(compare, before, report.figures(), threshold / 100.0);
        Path md = ReportWriter.write(report, dir, comparison);
        if (json) {
            out.println(report.toJson());
        } else {
            out.print(TerminalSummary.render(report));
            out.println("report: " + md + " (charts and report.json beside it)");
        }
        if (comparison != null && json) {
            err.println(comparison.verdict());
        } else if (comparison != null) {
            out.print(comparison.text());
        }
        return 0;
    }

    private static Map<String, Figure> earlierFigures(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new UsageException("no such report to compare with: " + file);
        }
        return Report.figures(Files.readString(file, StandardCharsets.UTF_8));
    }

    private int table(Args a, Path file, PrintStream out, PrintStream err) throws IOException {
        int prompt = a.integer("--n-prompt", "-p", 128);
        int gen = a.integer("--n-gen", "-n", 64);
        int reps = a.integer("--repetitions", "-r", 3);
        int warmup = a.integer("--warmup", null, 2);
        int[] threads = threadList(a.string("--threads", "-t", "1,2"));
        boolean json = a.flag("--json");
        a.finish();
        if (prompt < 0 || gen < 0 || prompt + gen == 0) {
            throw new UsageException("-p and -n must be >= 0 and not both 0");
        }
        if (reps < 1) {
            throw new UsageException("-r must be >= 1, got " + reps);
        }
        if (warmup < 0 || warmup > 600) {
            throw new UsageException("--warmup must be 0 to 600 seconds, got " + warmup);
        }
        if (!Files.isRegularFile(file)) {
            throw new UsageException("no such model file: " + file);
        }
        JsonWriter w = JsonWriter.create().beginObject();
        String type = null;
        if (!json) {
            out.printf("| %-40s | %-8s | %7s | %8s | %18s |%n", "model", "type", "threads", "test", "t/s");
            out.printf("|%s|%s|%s|%s|%s|%n", "-".repeat(42), "-".repeat(10), "-".repeat(9), "-".repeat(10),
                    "-".repeat(20));
        }
        for (int t : threads) {
            try (LanguageModel lm = LanguageModel.open(file, t)) {
                lm.warmUp();
                ModelOptions.warnIfUnsettled(lm, err);
                if (type == null) {
                    type = lm.model().weights().layers()[0].down().type().ggmlName();
                    w.field("model", file.getFileName().toString()).field("type", type);
                    w.name("results").beginArray();
                }
                for (ThroughputBench.Result r : ThroughputBench.run(lm, prompt, gen, reps, warmup * 1_000_000_000L)) {
                    w.beginObject().field("threads", t).field("test", r.test()).field("tok_s", r.tokS())
                            .field("stddev", r.stddev()).endObject();
                    if (!json) {
                        out.printf("| %-40s | %-8s | %7d | %8s | %9.2f ± %6.2f |%n", file.getFileName(), type, t,
                                r.test(), r.tokS(), r.stddev());
                    }
                }
            }
        }
        if (json) {
            out.println(w.endArray().endObject());
        }
        return 0;
    }

    private static int[] threadList(String s) {
        String[] parts = s.split(",");
        int[] t = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                t[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UsageException("-t expects comma-separated thread counts, got '" + s + "'");
            }
            if (t[i] < 1 || t[i] > WorkerPool.MAX_THREADS) {
                throw new UsageException("thread count must be between 1 and "
                        + WorkerPool.MAX_THREADS + ", got " + t[i]);
            }
        }
        return t;
    }
}
