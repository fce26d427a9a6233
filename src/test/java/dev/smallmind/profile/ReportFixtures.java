package dev.smallmind.profile;

import java.util.List;

/** Small hand-made reports for the writer, comparison and summary tests. */
final class ReportFixtures {
    private ReportFixtures() {
    }

    static MachineInfo machine(String date) {
        return new MachineInfo("Test CPU", "avx2", 2, 256, "Test JDK 25", "Linux", date, "unknown", 0.1);
    }

    /** A report with one section per kind of figure; {@code scale} multiplies every throughput. */
    static Report report(String date, double scale) {
        Section.Builder kernels = new Section.Builder("matmul", "Matrix multiplication", "GEMM | matvec");
        kernels.add(new Figure("gemm.f32.256.t1", "GEMM F32 n=256, 1 thread", 100 * scale, "GFLOPS", Better.HIGHER));
        kernels.add(new Figure("gemm.f32.512.t1", "GEMM F32 n=512, 1 thread", 120 * scale, "GFLOPS", Better.HIGHER));
        kernels.add(new Figure("gemm.f32.512.t2", "GEMM F32 n=512, 2 threads", 230 * scale, "GFLOPS", Better.HIGHER));
        kernels.chart(new BarChart("matmul-gemm", "F32 GEMM", "GFLOPS", List.of("1 thread"),
                List.of(new BarChart.Bar("n=512", 120 * scale, 0)), List.of()));
        kernels.note("matvec q4_K not measured: no kernel");
        Section.Builder inference = new Section.Builder("inference", "Inference", "greedy");
        inference.add(new Figure("infer.small-f32.t1.decode", "small-f32, 1 thread: decode", 400 * scale, "tok/s",
                Better.HIGHER));
        inference.add(new Figure("infer.small-f32.t1.ttft", "small-f32, 1 thread: time to first token", 20 / scale,
                "ms", Better.LOWER));
        Section.Builder memory = new Section.Builder("memory", "Memory", "plans");
        memory.add(new Figure("mem.small-f32.gc_collections", "small-f32: GC collections", 0, "count",
                Better.LOWER));
        memory.add(new Figure("mem.small-f32.decode.reuse", "small-f32: reuse", 0.75, "ratio", Better.NONE));
        memory.add(new Figure("mem.small-f32.weights", "small-f32: model file", 98_000_000, "B", Better.NONE));
        return new Report(machine(date), "full", 150, List.of(kernels.build(), inference.build(), memory.build()));
    }
}
