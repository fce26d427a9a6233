package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.quant.Q8_KQuantizer;
import dev.smallmind.parallel.WorkerPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The K-quant kernels on random data: the Vector API kernels against their scalar references (same exact integer
 * sums per super-block, different float summation order), the references against a float64 product of the
 * dequantized weights and dequantized Q8_K activations, decodeRow parity, and worker-pool row splitting.
 */
class KQuantMatmulTest {
    private static final int[] KS = {256, 768, 4352};
    private static final int[] TS = {1, 3, 17};
    private static final int N = 7;
    private static final long W_OFFSET = 40;
    private static final long X_OFFSET = 20;
    private static final long PREP_OFFSET = 64 * 3;
    private static final long Y_OFFSET = 12;
    private static final int Y_STRIDE = N + 5;

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        MatmulKernel[][] pairs = {
            {new Q4_KMatmul(), new Q4_KMatmulReference()},
            {new Q5_KMatmul(), new Q5_KMatmulReference()},
            {new Q6_KMatmul(), new Q6_KMatmulReference()}};
        for (MatmulKernel[] pair : pairs) {
            for (int k : KS) {
                for (int t : TS) {
                    cases.add(Arguments.of(pair[0], pair[1], k, t));
                }
            }
        }
        return cases;
    }

    static List<Arguments> kernels() {
        return List.of(Arguments.of(new Q4_KMatmul()), Arguments.of(new Q4_KMatmulReference()),
                Arguments.of(new Q5_KMatmul()), Arguments.of(new Q5_KMatmulReference()),
                Arguments.of(new Q6_KMatmul()), Arguments.of(new Q6_KMatmulReference()));
    }

    /**
     * Both kernels sum the same exact integers per super-block; they differ only in how the float terms are added
     * (the reference rounds one term per super-block into a running sum, the vector kernel keeps up to 16 float lanes
     * with fused multiply-adds and adds the lanes at the end). Each of the at most 2 * 17 + 16 float operations on
     * either path errs by at most 2^-24 of a partial sum bounded by sum |w * a|, so 50 * 2^-24 * sum |w * a|
     * (3e-6) bounds their difference; 1e-5 leaves margin.
     */
    @ParameterizedTest(name = "{0} k={2} t={3}")
    @MethodSource("cases")
    void vectorKernelMatchesReference(MatmulKernel vector, MatmulKernel reference, int k, int t) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = KQuantTestData.weights(arena, vector.weightType(), N, k, W_OFFSET, k * 31L + t);
            MemorySegment x = KQuantTestData.floats(arena, t * k, X_OFFSET, k + 7L * t);
            float[] expected = run(arena, reference, w, x, k, t);
            float[] actual = run(arena, vector, w, x, k, t);
            double[][] magnitude = exact(arena, reference, w, x, k, t).magnitude();
            for (int j = 0; j < t; j++) {
                for (int i = 0; i < N; i++) {
                    float e = expected[j * Y_STRIDE + i];
                    float a = actual[j * Y_STRIDE + i];
                    double tolerance = 1e-5 * magnitude[j][i] + 1e-6;
                    assertTrue(Math.abs(e - a) <= tolerance, "row " + i + " token " + j + ": reference " + e
                            + ", vector " + a + ", tolerance " + tolerance);
                }
            }
        }
    }

    /** Float64 products of the dequantized operands, and the sums of |w * a| that bound rounding errors. */
    private record Exact(double[][] dot, double[][] magnitude) {
    }

    /** Dequantizes the weight rows and the Q8_K-quantized activation rows and multiplies them in float64. */
    private static Exact exact(Arena arena, MatmulKernel reference, MemorySegment w, MemorySegment x, int k, int t) {
        double[][] dot = new double[t][N];
        double[][] magnitude = new double[t][N];
        MemorySegment q8 = arena.allocate(Q8_KQuantizer.rowBytes(k));
        MemorySegment a = arena.allocate(4L * k);
        MemorySegment row = arena.allocate(4L * k);
        long rowBytes = reference.weightType().rowBytes(k);
        for (int j = 0; j < t; j++) {
            Q8_KQuantizer.quantizeRow(x, X_OFFSET + 4L * j * k, q8, 0, k);
            Q8_KQuantizer.dequantizeRow(q8, 0, a, 0, k);
            for (int i = 0; i < N; i++) {
                reference.decodeRow(w, W_OFFSET + i * rowBytes, row, 0, k);
                for (int e = 0; e < k; e++) {
                    double p = (double) KQuantTestData.getFloat(row, 4L * e) * KQuantTestData.getFloat(a, 4L * e);
                    dot[j][i] += p;
                    magnitude[j][i] += Math.abs(p);
                }
            }
        }
        return new Exact(dot, magnitude);
    }

    @ParameterizedTest(name = "{0} k={2} t={3}")
    @MethodSource("cases")
    void referenceMatchesFloat64ProductOfDequantizedOperands(MatmulKernel vector, MatmulKernel reference,
                                                             int k, int t) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = KQuantTestData.weights(arena, reference.weightType(), N, k, W_OFFSET, k * 17L + t);
            MemorySegment x = KQuantTestData.floats(arena, t * k, X_OFFSET, k * 3L + t);
            float[] actual = run(arena, reference, w, x, k, t);
            Exact exact = exact(arena, reference, w, x, k, t);
            for (int j = 0; j < t; j++) {
                for (int i = 0; i < N; i++) {
                    // The kernel sums exact integers and rounds a few times per super-block; the float64 side
                    // multiplies values that were each rounded to float once (w = d*sc*q - dmin*m, a = d*q):
                    // both are within a few float ulps of every term, so 1e-5 of sum |w * a| bounds the gap.
                    double tolerance = 1e-5 * exact.magnitude()[j][i] + 1e-6;
                    float got = actual[j * Y_STRIDE + i];
                    double want = exact.dot()[j][i];
                    assertTrue(Math.abs(got - want) <= tolerance, "row " + i + " token " + j + ": kernel " + got
                            + ", float64 " + want + ", tolerance " + tolerance);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void workerPoolRowSplitIsBitIdenticalToOneCall(MatmulKernel kernel) {
        int k = 768;
        int n = 37;
        int t = 3;
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(3)) {
            MemorySegment w = KQuantTestData.weights(arena, kernel.weightType(), n, k, W_OFFSET, 5);
            MemorySegment x = KQuantTestData.floats(arena, t * k, X_OFFSET, 6);
            MemorySegment prep = arena.allocate(PREP_OFFSET + kernel.preparedBytes(t, k), 64);
            pool.run((from, to, worker) -> kernel.prepare(x, X_OFFSET, k, from, to, prep, PREP_OFFSET), t);
            MemorySegment one = arena.allocate(4L * n * t);
            MemorySegment split = arena.allocate(4L * n * t);
            kernel.multiply(w, W_OFFSET, k, prep, PREP_OFFSET, t, one, 0, n, 0, n);
            pool.run((from, to, worker) -> kernel.multiply(w, W_OFFSET, k, prep, PREP_OFFSET, t, split, 0, n,
                    from, to), n);
            assertEquals(-1, one.mismatch(split));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void decodeRowOfVectorKernelEqualsReference(MatmulKernel kernel) {
        int k = 768;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = KQuantTestData.weights(arena, kernel.weightType(), 3, k, W_OFFSET, 9);
            MatmulKernel reference = switch (kernel.weightType()) {
                case Q4_K -> new Q4_KMatmulReference();
                case Q5_K -> new Q5_KMatmulReference();
                default -> new Q6_KMatmulReference();
            };
            MemorySegment expected = arena.allocate(4L * 3 * k + 8);
            MemorySegment actual = arena.allocate(4L * 3 * k + 8);
            reference.decodeRow(w, W_OFFSET, expected, 8, 3 * k);
            kernel.decodeRow(w, W_OFFSET, actual, 8, 3 * k);
            assertEquals(-1, expected.mismatch(actual));
        }
    }

    /** Prepares and multiplies, writing into a strided output with untouched gaps, and checks the gaps. */
    private static float[] run(Arena arena, MatmulKernel kernel, MemorySegment w, MemorySegment x, int k, int t) {
        MemorySegment prep = arena.allocate(PREP_OFFSET + kernel.preparedBytes(t, k), 64);
        kernel.prepare(x, X_OFFSET, k, 0, 1, prep, PREP_OFFSET);
        kernel.prepare(x, X_OFFSET, k, 1, t, prep, PREP_OFFSET);
        MemorySegment y = arena.allocate(Y_OFFSET + 4L * Y_STRIDE * t, 64);
        y.fill((byte) 0x7f);
        kernel.multiply(w, W_OFFSET, k, prep, PREP_OFFSET, t, y, Y_OFFSET, Y_STRIDE, 0, 2);
        kernel.multiply(w, W_OFFSET, k, prep, PREP_OFFSET, t, y, Y_OFFSET, Y_STRIDE, 2, N);
        float[] out = new float[Y_STRIDE * t];
        for (int i = 0; i < out.length; i++) {
            out[i] = KQuantTestData.getFloat(y, Y_OFFSET + 4L * i);
            if (i % Y_STRIDE >= N) {
                assertEquals(0x7f7f7f7f, Float.floatToRawIntBits(out[i]), "gap " + i + " was written");
            }
        }
        return out;
    }
}
