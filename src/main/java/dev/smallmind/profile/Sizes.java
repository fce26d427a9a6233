package dev.smallmind.profile;

import dev.smallmind.tensor.DType;

import java.util.List;

/**
 * The sizes of one flavour of the report run: the full report, or the quick smoke run that finishes in seconds.
 *
 * @param measure          micro-benchmark timing
 * @param fmaIterations    rounds of the FMA probe per thread and call
 * @param bandwidthFloats  array lengths of the bandwidth probes and the element-wise kernels, ascending (the last
 *                         is the DRAM-sized one matvec is compared with)
 * @param gemmSizes        GEMM matrix sizes
 * @param matvecK          matvec row length
 * @param matvecBytes      matvec weight bytes per type
 * @param matvecTypes      weight types measured
 * @param models           synthetic models run end to end
 * @param small            workload of the small preset
 * @param medium           workload of the medium preset and of extra models
 */
record Sizes(Measure measure, int fmaIterations, int[] bandwidthFloats, int[] gemmSizes, int matvecK,
             long matvecBytes, List<DType> matvecTypes, List<Model> models, InferenceBench.Workload small,
             InferenceBench.Workload medium) {
    private static final List<DType> TYPES = List.of(DType.F32, DType.F16, DType.Q8_0, DType.Q4_0, DType.Q4_K,
            DType.Q6_K);

    /**
     * The full report: DRAM-sized arrays, GEMM up to 1024, the small and medium presets in F32 and the medium one
     * in Q8_0 and Q4_0 (the shapes and types of llama.cpp's reference figures).
     */
    static final Sizes FULL = new Sizes(Measure.FULL, 1 << 20, new int[] {1 << 20, 1 << 24},
            new int[] {256, 512, 1024}, 4096, 128L << 20, TYPES, List.of(new Model("small", DType.F32),
            new Model("medium", DType.F32), new Model("medium", DType.Q8_0), new Model("medium", DType.Q4_0)),
            new InferenceBench.Workload(128, 64, 3, 32, 8), new InferenceBench.Workload(64, 32, 2, 16, 6));
    /** The smoke run: small arrays, few repetitions, the small model with a short prompt. */
    static final Sizes QUICK = new Sizes(Measure.QUICK, 1 << 16, new int[] {1 << 14, 1 << 18},
            new int[] {128, 256}, 2048, 8L << 20, TYPES, List.of(new Model("small", DType.F32)),
            new InferenceBench.Workload(32, 12, 1, 8, 1), new InferenceBench.Workload(32, 12, 1, 8, 1));

    /**
     * A synthetic model of the report.
     *
     * @param preset {@link dev.smallmind.model.synth.SyntheticSpec#preset} name
     * @param type   type of its matrices
     */
    record Model(String preset, DType type) {
        /** @return short name used in figure ids, e.g. {@code medium-q8_0} */
        String name() {
            return preset + "-" + type.ggmlName().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** @return the largest array length, the one matvec is compared with */
    int largestFloats() {
        return bandwidthFloats[bandwidthFloats.length - 1];
    }

    /**
     * @param preset small or medium (extra models use the medium workload)
     * @return its workload
     */
    InferenceBench.Workload workload(String preset) {
        return preset.equals("small") ? small : medium;
    }
}
