package dev.smallmind.profile;

import dev.smallmind.graph.Plan;
import dev.smallmind.model.ModelLoadException;
import dev.smallmind.model.gguf.GgufFormatException;
import dev.smallmind.memory.Alignment;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.DType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Runs every measurement of the performance report in one process: the machine's limits, the matmul and
 * element-wise kernels, end-to-end inference on synthesized (and optionally given) models, memory figures and
 * the decode step's per-op profile. Every figure in the returned {@link Report} was measured in this run.
 *
 * <pre>{@code
 * Report r = PerformanceReport.run(PerformanceReport.Settings.defaults(false), what -> { });
 * ReportWriter.write(r, Path.of("bench-report"), null);
 * }</pre>
 */
public final class PerformanceReport {
    private final Settings settings;
    private final Sizes sizes;
    private final Progress progress;

    private PerformanceReport(Settings settings, Progress progress) {
        this.settings = settings;
        this.sizes = settings.quick() ? Sizes.QUICK : Sizes.FULL;
        this.progress = progress;
    }

    /**
     * What to run.
     *
     * @param quick       small sizes, few repetitions, the small model only (a smoke run for CI, not for
     *                    conclusions)
     * @param threads     thread counts to measure, ascending (typically 1 and all cores)
     * @param workDir     folder caching the synthesized models
     * @param vocab       vocabulary GGUF of the synthesized models, or null for the built-in one
     * @param extraModels further GGUF files to run end to end
     */
    public record Settings(boolean quick, int[] threads, Path workDir, Path vocab, List<Path> extraModels) {
        /**
         * @throws IllegalArgumentException for an empty or out-of-range thread list
         */
        public Settings {
            threads = threads.clone();
            if (threads.length == 0) {
                throw new IllegalArgumentException("no thread counts to measure");
            }
            for (int t : threads) {
                if (t < 1 || t > WorkerPool.MAX_THREADS) {
                    throw new IllegalArgumentException("thread count must be between 1 and " + WorkerPool.MAX_THREADS
                            + ", got " + t);
                }
            }
            extraModels = List.copyOf(extraModels);
        }

        /**
         * @param quick whether to run the quick variant
         * @return 1 and all cores, models cached in {@code .smallmind/models}, the shared llama vocabulary when
         *         present, no extra models
         */
        public static Settings defaults(boolean quick) {
            return new Settings(quick, defaultThreads(), Path.of(".smallmind", "models"),
                    SyntheticModels.defaultVocab(), List.of());
        }

        /** @return 1 and the number of available processors (just 1 on a single-core machine) */
        public static int[] defaultThreads() {
            int n = WorkerPool.defaultThreads();
            return n > 1 ? new int[] {1, n} : new int[] {1};
        }
    }

    /** Receives a call after each step of the run, for a progress bar. */
    @FunctionalInterface
    public interface Progress {
        /** @param finished what was just measured */
        void step(String finished);
    }

    /**
     * @param settings what to run
     * @return how many {@link Progress#step} calls {@link #run} makes
     */
    public static int steps(Settings settings) {
        Sizes s = settings.quick() ? Sizes.QUICK : Sizes.FULL;
        int perThreads = 1 + s.bandwidthFloats().length + s.gemmSizes().length + s.matvecTypes().size();
        int models = s.models().size() * (1 + settings.threads().length)
                + settings.extraModels().size() * settings.threads().length;
        return settings.threads().length * perThreads + s.bandwidthFloats().length + models;
    }

    /**
     * @param settings what to run
     * @param progress told after each step
     * @return every figure, by section
     * @throws IOException when a model cannot be written or read
     */
    public static Report run(Settings settings, Progress progress) throws IOException {
        return new PerformanceReport(settings, progress).run();
    }

    private Report run() throws IOException {
        long start = System.nanoTime();
        MachineInfo machine = MachineInfo.detect();
        Section.Builder limits = new Section.Builder("limits", "Machine limits",
                "Peak FMA throughput (Vector API, 12 independent accumulators in locals) and memory bandwidth "
                        + "(STREAM copy and triad over 64-byte-aligned off-heap segments), measured in Java in this "
                        + "run. Kernel figures below are quoted as a percentage of these.");
        Section.Builder matmul = new Section.Builder("matmul", "Matrix multiplication",
                "GEMM: n x n F32 weights times n activation rows (2n^3 FLOPs) through MatmulKernels.forType(F32), "
                        + "weight rows split across the worker pool. Matvec: one activation row times "
                        + mib(sizes.matvecBytes()) + " of weights per type (k = " + sizes.matvecK()
                        + "), quoted as weight bytes read per second; quantized kernels prepare the activations "
                        + "inside the timed call.");
        Measured m = new Measured();
        for (int t : settings.threads()) {
            try (WorkerPool pool = new WorkerPool(t)) {
                machineLimits(pool, limits, m);
                gemm(pool, matmul, m);
                matvec(pool, matmul, m);
            }
        }
        limitCharts(limits, m);
        matmulCharts(matmul, m);
        Section elementwise = elementWise(m);
        Section.Builder inference = new Section.Builder("inference", "Inference", "");
        Section.Builder memory = new Section.Builder("memory", "Memory", "Resident memory (VmRSS) around the "
                + "load of each model, the planner's step arena against the sum of all intermediate buffers, KV-"
                + "cache bytes per position, and the JVM's own counters of garbage collections and heap bytes "
                + "allocated (caller and workers) during the measured decode phases.");
        Section.Builder hot = new Section.Builder("hotpath", "Hot path", "Per-op wall time of decode steps (graph "
                + "profiling on, " + threads(settings.threads()[settings.threads().length - 1]) + "), summed by "
                + "op kind and by node name across layers, per token.");
        List<InferenceBench.ModelResult> models = models(inference);
        for (InferenceBench.ModelResult r : models) {
            inferenceFigures(r, inference);
            memoryFigures(r, memory);
            hotPathFigures(r, hot);
        }
        inferenceCharts(inference, models);
        memoryCharts(memory, models);
        inference.about(inferenceAbout(models));
        return new Report(machine, settings.quick() ? "quick" : "full", (System.nanoTime() - start) / 1e9,
                List.of(limits.build(), matmul.build(), elementwise, inference.build(), memory.build(), hot.build()));
    }

    /** Figures the charts and percentages of later sections refer to. */
    private static final class Measured {
        private final List<Limit> fma = new ArrayList<>();
        private final List<Limit> copy = new ArrayList<>();
        private final List<Limit> triad = new ArrayList<>();
        private final List<Figure> gemm = new ArrayList<>();
        private final List<Figure> matvec = new ArrayList<>();

        /** One machine-limit figure: its thread count, array length (0 for FMA) and value. */
        private record Limit(int threads, int floats, double value) {
        }

        /** @return the value measured with {@code threads} threads over {@code floats} floats, or NaN */
        static double find(List<Limit> list, int threads, int floats) {
            for (Limit l : list) {
                if (l.threads() == threads && l.floats() == floats) {
                    return l.value();
                }
            }
            return Double.NaN;
        }
    }

    private void machineLimits(WorkerPool pool, Section.Builder s, Measured m) {
        int t = pool.threads();
        double fma = MachineProbe.fmaGflops(pool, sizes.measure(), sizes.fmaIterations()).median();
        s.add(new Figure("limits.fma.t" + t, "FMA peak, " + threads(t), fma, "GFLOPS", Better.HIGHER));
        m.fma.add(new Measured.Limit(t, 0, fma));
        progress.step("FMA probe, " + threads(t));
        for (int n : sizes.bandwidthFloats()) {
            try (Arena arena = Arena.ofShared()) {
                MemorySegment a = arena.allocate(4L * n, Alignment.BYTES);
                MemorySegment b = arena.allocate(4L * n, Alignment.BYTES);
                MemorySegment c = arena.allocate(4L * n, Alignment.BYTES);
                RandomWeights.fill(DType.F32, a, 4L * n, 7);
                RandomWeights.fill(DType.F32, c, 4L * n, 8);
                double copy = MachineProbe.copyGbs(pool, sizes.measure(), a, b, n).median();
                double triad = MachineProbe.triadGbs(pool, sizes.measure(), a, b, c, n).median();
                s.add(new Figure("limits.copy." + size(n) + ".t" + t, "copy " + size(n) + " floats, " + threads(t),
                        copy, "GB/s", Better.HIGHER));
                s.add(new Figure("limits.triad." + size(n) + ".t" + t, "triad " + size(n) + " floats, " + threads(t),
                        triad, "GB/s", Better.HIGHER));
                m.copy.add(new Measured.Limit(t, n, copy));
                m.triad.add(new Measured.Limit(t, n, triad));
            }
            progress.step("bandwidth " + size(n) + ", " + threads(t));
        }
    }

    private void gemm(WorkerPool pool, Section.Builder s, Measured m) {
        int t = pool.threads();
        double peak = Measured.find(m.fma, t, 0);
        for (int n : sizes.gemmSizes()) {
            try {
                double g = MatmulBench.gemmGflops(pool, sizes.measure(), n).median();
                String id = "gemm.f32." + n + ".t" + t;
                m.gemm.add(s.add(new Figure(id, "GEMM F32 n=" + n + ", " + threads(t), g, "GFLOPS", Better.HIGHER)));
                s.add(new Figure(id + ".pct_peak", "GEMM F32 n=" + n + ", " + threads(t) + ", % of FMA peak",
                        100 * g / peak, "%", Better.NONE));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                s.note("GEMM F32 not measured: " + e.getMessage());
            }
            progress.step("GEMM n=" + n + ", " + threads(t));
        }
    }

    private void matvec(WorkerPool pool, Section.Builder s, Measured m) {
        int t = pool.threads();
        double triad = Measured.find(m.triad, t, sizes.largestFloats());
        for (DType type : sizes.matvecTypes()) {
            try {
                double g = MatmulBench.matvecGbs(type, pool, sizes.measure(), sizes.matvecK(), sizes.matvecBytes())
                        .median();
                String id = "matvec." + type.ggmlName().toLowerCase(Locale.ROOT) + ".t" + t;
                m.matvec.add(s.add(new Figure(id, "matvec " + type.ggmlName() + ", " + threads(t), g, "GB/s",
                        Better.HIGHER)));
                s.add(new Figure(id + ".pct_triad", "matvec " + type.ggmlName() + ", " + threads(t)
                        + ", % of triad bandwidth", 100 * g / triad, "%", Better.NONE));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                s.note("matvec " + type.ggmlName() + " not measured: " + e.getMessage());
            }
            progress.step("matvec " + type.ggmlName() + ", " + threads(t));
        }
    }

    private void limitCharts(Section.Builder s, Measured m) {
        List<BarChart.Bar> bars = new ArrayList<>();
        for (String kind : new String[] {"copy", "triad"}) {
            for (int n : sizes.bandwidthFloats()) {
                for (int i = 0; i < settings.threads().length; i++) {
                    List<Measured.Limit> list = kind.equals("copy") ? m.copy : m.triad;
                    bars.add(new BarChart.Bar(kind + " " + size(n), Measured.find(list, settings.threads()[i], n), i));
                }
            }
        }
        List<BarChart.Bar> fma = new ArrayList<>();
        for (int i = 0; i < settings.threads().length; i++) {
            fma.add(new BarChart.Bar("FMA", Measured.find(m.fma, settings.threads()[i], 0), i));
        }
        s.chart(new BarChart("limits-fma", "Peak FMA throughput", "GFLOPS", threadSeries(), fma, List.of()));
        s.chart(new BarChart("limits-bandwidth", "Memory bandwidth (floats per array)", "GB/s", threadSeries(), bars,
                List.of()));
    }

    private void matmulCharts(Section.Builder s, Measured m) {
        List<BarChart.Marker> peaks = new ArrayList<>();
        List<BarChart.Marker> triads = new ArrayList<>();
        for (int t : settings.threads()) {
            peaks.add(new BarChart.Marker("FMA peak " + t + "t", Measured.find(m.fma, t, 0)));
            triads.add(new BarChart.Marker("triad " + t + "t", Measured.find(m.triad, t, sizes.largestFloats())));
        }
        if (!m.gemm.isEmpty()) {
            List<BarChart.Bar> bars = new ArrayList<>();
            for (int n : sizes.gemmSizes()) {
                addBars(bars, m.gemm, "gemm.f32." + n + ".t", "n=" + n);
            }
            s.chart(new BarChart("matmul-gemm", "F32 GEMM", "GFLOPS", threadSeries(), bars, peaks));
        }
        if (!m.matvec.isEmpty()) {
            List<BarChart.Bar> bars = new ArrayList<>();
            for (DType type : sizes.matvecTypes()) {
                addBars(bars, m.matvec, "matvec." + type.ggmlName().toLowerCase(Locale.ROOT) + ".t", type.ggmlName());
            }
            s.chart(new BarChart("matmul-matvec", "Matvec weight streaming", "GB/s", threadSeries(), bars, triads));
        }
    }

    /** Adds one bar per thread count for the figures {@code prefix + threads}. */
    private void addBars(List<BarChart.Bar> bars, List<Figure> figures, String prefix, String label) {
        for (int i = 0; i < settings.threads().length; i++) {
            for (Figure f : figures) {
                if (f.id().equals(prefix + settings.threads()[i])) {
                    bars.add(new BarChart.Bar(label, f.value(), i));
                }
            }
        }
    }

    private Section elementWise(Measured m) {
        Section.Builder s = new Section.Builder("elementwise", "Element-wise kernels",
                "One thread, one row of n floats, bytes counted as each input read once and each output written "
                        + "once; the % compares with the triad probe at the same array size on one thread.");
        ElementWiseBench.Op[] ops = ElementWiseBench.Op.values();
        int[] floats = sizes.bandwidthFloats();
        double[][] gbs = new double[ops.length][floats.length];
        List<String> series = new ArrayList<>();
        List<BarChart.Marker> markers = new ArrayList<>();
        for (int si = 0; si < floats.length; si++) {
            int n = floats[si];
            series.add(size(n) + " floats");
            double triad = Measured.find(m.triad, 1, n);
            if (!Double.isNaN(triad)) {
                markers.add(new BarChart.Marker("triad " + size(n), triad));
            }
            try (ElementWiseBench.Operands rows = new ElementWiseBench.Operands(n)) {
                for (ElementWiseBench.Op op : ops) {
                    double g = ElementWiseBench.gbs(rows, op, sizes.measure()).median();
                    gbs[op.ordinal()][si] = g;
                    String id = "ew." + op.id() + "." + size(n);
                    s.add(new Figure(id, op.id() + ", " + size(n) + " floats", g, "GB/s", Better.HIGHER));
                    if (!Double.isNaN(triad)) {
                        s.add(new Figure(id + ".pct_triad", op.id() + ", " + size(n) + " floats, % of triad",
                                100 * g / triad, "%", Better.NONE));
                    }
                }
            }
            progress.step("element-wise " + size(n));
        }
        List<BarChart.Bar> bars = new ArrayList<>();
        for (ElementWiseBench.Op op : ops) {
            for (int si = 0; si < floats.length; si++) {
                bars.add(new BarChart.Bar(op.id(), gbs[op.ordinal()][si], si));
            }
        }
        s.chart(new BarChart("elementwise", "Element-wise kernels, 1 thread", "GB/s", series, bars, markers));
        return s.build();
    }

    private List<InferenceBench.ModelResult> models(Section.Builder inference) throws IOException {
        List<InferenceBench.ModelResult> results = new ArrayList<>();
        for (Sizes.Model m : sizes.models()) {
            Path file;
            try {
                file = SyntheticModels.ensure(settings.workDir(), m.preset(), m.type(), settings.vocab());
            } catch (IllegalArgumentException e) {
                inference.note(m.name() + " not measured: the synthetic model writer cannot write it: "
                        + e.getMessage());
                for (int i = 0; i <= settings.threads().length; i++) {
                    progress.step("model " + m.name() + " (skipped)");
                }
                continue;
            }
            progress.step("model " + file.getFileName());
            model(m.name(), file, sizes.workload(m.preset()), inference, results);
        }
        for (Path extra : settings.extraModels()) {
            String name = extra.getFileName().toString().replaceFirst("\\.gguf$", "").replaceAll("[^A-Za-z0-9_-]", "_");
            model(name, extra, sizes.workload("medium"), inference, results);
        }
        return results;
    }

    /**
     * Runs one model in a JVM of its own ({@link IsolatedInference}); a model that cannot be loaded or run becomes a
     * note, and the report goes on.
     */
    private void model(String name, Path file, InferenceBench.Workload w, Section.Builder notes,
                       List<InferenceBench.ModelResult> results) {
        try {
            IsolatedInference.Outcome o = IsolatedInference.run(name, file, settings.threads(), w,
                    () -> progress.step("inference " + name));
            results.add(o.result());
            if (o.note() != null) {
                notes.note(o.note());
            }
        } catch (IOException | IllegalArgumentException | UnsupportedOperationException | IllegalStateException
                 | ModelLoadException | GgufFormatException e) {
            notes.note(name + " not measured: " + e.getMessage());
            for (int i = 0; i < settings.threads().length; i++) {
                progress.step("inference " + name + " (failed)");
            }
        }
    }

    private String inferenceAbout(List<InferenceBench.ModelResult> models) {
        StringBuilder b = new StringBuilder("Greedy generation from a random prompt through Session.generate, "
                + "timed by the engine itself: prefill = prompt tokens per second of the batched prompt "
                + "evaluation, decode = generated tokens per second (sampling included), TTFT = time from the "
                + "call to the first generated token. Median of the repetitions, after warm-up generations until "
                + "the decode speed stopped improving. Each model runs in a JVM of its own, as a process serving it "
                + "would.");
        for (InferenceBench.ModelResult r : models) {
            InferenceBench.Workload w = r.workload();
            b.append(r == models.get(0) ? "\n\n" : "\n").append("- ").append(r.name()).append(": ").append(r.shape())
                    .append(", ").append(mib(r.fileBytes()))
                    .append(", prompt ").append(w.promptTokens()).append(" tokens, ").append(w.generateTokens())
                    .append(" generated, ").append(w.repetitions()).append(" repetitions.");
        }
        return b.toString();
    }

    private static void inferenceFigures(InferenceBench.ModelResult r, Section.Builder s) {
        for (InferenceBench.Run run : r.runs()) {
            String p = "infer." + r.name() + ".t" + run.threads();
            String l = r.name() + ", " + threads(run.threads());
            s.add(new Figure(p + ".prefill", l + ": prefill", run.prefill().median(), "tok/s", Better.HIGHER));
            s.add(new Figure(p + ".decode", l + ": decode", run.decode().median(), "tok/s", Better.HIGHER));
            s.add(new Figure(p + ".ttft", l + ": time to first token", run.firstTokenMillis().median(), "ms",
                    Better.LOWER));
            s.add(new Figure(p + ".token_p50", l + ": interval between tokens, median", run.tokenMillisP50().median(),
                    "ms", Better.LOWER));
            // The worst repetition's: a latency budget is about the tail of every run, not of a typical one
            s.add(new Figure(p + ".token_p99", l + ": interval between tokens, 99th percentile",
                    run.tokenMillisP99().max(), "ms", Better.LOWER));
        }
    }

    private void inferenceCharts(Section.Builder s, List<InferenceBench.ModelResult> models) {
        if (models.isEmpty()) {
            return;
        }
        List<BarChart.Bar> decode = new ArrayList<>();
        List<BarChart.Bar> prefill = new ArrayList<>();
        for (InferenceBench.ModelResult r : models) {
            for (InferenceBench.Run run : r.runs()) {
                int series = indexOf(settings.threads(), run.threads());
                decode.add(new BarChart.Bar(r.name(), run.decode().median(), series));
                prefill.add(new BarChart.Bar(r.name(), run.prefill().median(), series));
            }
        }
        s.chart(new BarChart("inference-decode", "Decode", "tok/s", threadSeries(), decode, List.of()));
        s.chart(new BarChart("inference-prefill", "Prefill", "tok/s", threadSeries(), prefill, List.of()));
    }

    private static void memoryFigures(InferenceBench.ModelResult r, Section.Builder s) {
        String p = "mem." + r.name();
        String l = r.name() + ": ";
        InferenceBench.Run last = r.runs().get(r.runs().size() - 1);
        s.add(new Figure(p + ".gc_collections", l + "GC collections during decode (" + threads(last.threads()) + ")",
                last.gcCollections(), "count", Better.LOWER));
        s.add(new Figure(p + ".heap_per_token", l + "heap allocated per decoded token", last.heapBytesPerToken(),
                "B/token", Better.LOWER));
        plan(s, p + ".decode", l + "decode graph", r.decodePlan());
        plan(s, p + ".prefill", l + "prefill graph", r.prefillPlan());
        s.add(new Figure(p + ".kv_per_token", l + "KV cache per position", r.kvBytesPerToken(), "B/token",
                Better.NONE));
        s.add(new Figure(p + ".weights", l + "model file (mapped)", r.fileBytes(), "B", Better.NONE));
        if (r.rssBefore() >= 0 && r.rssLoaded() >= 0 && r.rssAfterRun() >= 0) {
            s.add(new Figure(p + ".rss_before", l + "resident memory before load", r.rssBefore(), "B", Better.NONE));
            s.add(new Figure(p + ".rss_loaded", l + "resident memory after load and session", r.rssLoaded(), "B",
                    Better.NONE));
            s.add(new Figure(p + ".rss_after_run", l + "resident memory after warm-up generations",
                    r.rssAfterRun(), "B", Better.NONE));
        } else {
            s.note("resident memory not available on this system (no /proc/self/status)");
        }
    }

    private static void plan(Section.Builder s, String id, String label, Plan plan) {
        s.add(new Figure(id + ".arena_peak", label + ": step arena peak", plan.peakBytes(), "B", Better.LOWER));
        s.add(new Figure(id + ".intermediates", label + ": sum of intermediate buffers", plan.totalBytes(), "B",
                Better.NONE));
        s.add(new Figure(id + ".reuse", label + ": reuse (1 - peak/sum)", plan.reuseRatio(), "ratio", Better.NONE));
    }

    private static void memoryCharts(Section.Builder s, List<InferenceBench.ModelResult> models) {
        if (models.isEmpty()) {
            return;
        }
        List<BarChart.Bar> bars = new ArrayList<>();
        for (InferenceBench.ModelResult r : models) {
            bars.add(new BarChart.Bar(r.name() + " decode", r.decodePlan().peakBytes() / 1048576.0, 0));
            bars.add(new BarChart.Bar(r.name() + " decode", r.decodePlan().totalBytes() / 1048576.0, 1));
            bars.add(new BarChart.Bar(r.name() + " prefill", r.prefillPlan().peakBytes() / 1048576.0, 0));
            bars.add(new BarChart.Bar(r.name() + " prefill", r.prefillPlan().totalBytes() / 1048576.0, 1));
        }
        s.chart(new BarChart("memory-arena", "Step arena: planned peak vs sum of intermediates", "MiB",
                List.of("arena peak", "sum of intermediates"), bars, List.of()));
    }

    private static void hotPathFigures(InferenceBench.ModelResult r, Section.Builder s) {
        OpProfile p = r.profile();
        String id = "hot." + r.name();
        s.add(new Figure(id + ".total", r.name() + ": all nodes per decode step", p.microsPerStep(), "µs/token",
                Better.LOWER));
        List<BarChart.Bar> kinds = new ArrayList<>();
        for (OpProfile.Entry e : p.byKind()) {
            String k = e.name().toLowerCase(Locale.ROOT);
            s.add(new Figure(id + ".kind." + k, r.name() + ": " + k, e.microsPerStep(), "µs/token", Better.NONE));
            s.add(new Figure(id + ".kind." + k + ".share", r.name() + ": " + k + " share", 100 * e.share(), "%",
                    Better.NONE));
            kinds.add(new BarChart.Bar(k, 100 * e.share(), 0));
        }
        List<BarChart.Bar> names = new ArrayList<>();
        for (OpProfile.Entry e : p.byName()) {
            s.add(new Figure(id + ".node." + e.name(), r.name() + ": " + e.name(), e.microsPerStep(), "µs/token",
                    Better.NONE));
            if (names.size() < 14) {
                names.add(new BarChart.Bar(e.name(), e.microsPerStep(), 0));
            }
        }
        s.chart(new BarChart("hotpath-" + r.name() + "-kinds", r.name() + ": decode time by op kind", "% of step",
                List.of(r.name()), kinds, List.of()));
        s.chart(new BarChart("hotpath-" + r.name() + "-nodes", r.name() + ": decode time by node (all layers)",
                "µs per token", List.of(r.name()), names, List.of()));
    }

    private List<String> threadSeries() {
        List<String> names = new ArrayList<>();
        for (int t : settings.threads()) {
            names.add(threads(t));
        }
        return names;
    }

    private static int indexOf(int[] values, int v) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == v) {
                return i;
            }
        }
        throw new IllegalArgumentException(v + " not in " + Arrays.toString(values));
    }

    private static String threads(int t) {
        return t == 1 ? "1 thread" : t + " threads";
    }

    /** @return a float count as 64K, 1M, 16M */
    static String size(int floats) {
        if (floats % (1 << 20) == 0) {
            return (floats >> 20) + "M";
        }
        if (floats % (1 << 10) == 0) {
            return (floats >> 10) + "K";
        }
        return Integer.toString(floats);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
