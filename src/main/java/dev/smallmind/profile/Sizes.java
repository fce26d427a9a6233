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
 * @param presets          synthetic model presets run end to end
 * @param small            workload of the small preset
 * @param medium           workload of the medium preset and of extra models
 */
record Sizes(Measure measure, int fmaIterations, int[] bandwidthFloats, int[] gemmSizes, int matvecK,
             long matvecBytes, List<DType> matvecTypes, List<String> presets, InferenceBench.Workload small,
             InferenceBench.Workload medium) {
    private static final List<DType> TYPES = List.of(DType.F32, DType.F16, DType.Q8_0, DType.Q4_0, DType.Q4_K,
            DType.Q6_K);

    /** The full report: DRAM-sized arrays, GEMM up to 1024, the small and medium models. */
    static final Sizes FULL = new Sizes(Measure.FULL, 1 << 20, new int[] {1 << 20, 1 << 24},
            new int[] {256, 512, 1024}, 4096, 128L << 20, TYPES, List.of("small", "medium"),
            new InferenceBench.Workload(128, 64, 3, 32, 8), new InferenceBench.Workload(128, 32, 2, 16, 12));
    /** The smoke run: small arrays, few repetitions, the small model with a short prompt. */
    static final Sizes QUICK = new Sizes(Measure.QUICK, 1 << 16, new int[] {1 << 14, 1 << 18},
            new int[] {128, 256}, 2048, 8L << 20, TYPES, List.of("small"),
            new InferenceBench.Workload(32, 12, 1, 8, 1), new InferenceBench.Workload(32, 12, 1, 8, 1));

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
