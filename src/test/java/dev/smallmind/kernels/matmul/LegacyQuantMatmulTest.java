package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Vector kernels against their scalar twins and against a float64 evaluation of ggml's block formula, for every
 * legacy quant type. Sizes: k a multiple of 32 but not of 256 nor of a 16-float vector pair (96, 4128), n odd,
 * t in {1, 3, 17}, odd (unaligned) byte offsets everywhere, yStride > n.
 */
class LegacyQuantMatmulTest {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final float SENTINEL = -12345.5f;

    static Stream<Arguments> kernels() {
        return Stream.of(
                Arguments.of(new Q8_0Matmul(), new Q8_0MatmulReference()),
                Arguments.of(new Q4_0Matmul(), new Q4_0MatmulReference()),
                Arguments.of(new Q4_1Matmul(), new Q4_1MatmulReference()),
                Arguments.of(new Q5_0Matmul(), new Q5_0MatmulReference()),
                Arguments.of(new Q5_1Matmul(), new Q5_1MatmulReference()));
    }

    static Stream<Arguments> cases() {
        return kernels().flatMap(a -> Stream.of(new int[]{96, 1}, new int[]{96, 3}, new int[]{4128, 1},
                        new int[]{4128, 17}, new int[]{352, 17})
                .map(s -> Arguments.of(a.get()[0], a.get()[1], s[0], s[1])));
    }

    /** Random weights with sane fp16 scales (and minimums), so every block decodes to finite values. */
    static MemorySegment randomWeights(Arena arena, DType type, int n, int k, long offset, long seed) {
        long bytes = type.rowBytes(k) * n;
        MemorySegment w = arena.allocate(offset + bytes, 64);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < bytes; i++) {
            w.set(ValueLayout.JAVA_BYTE, offset + i, (byte) r.nextInt(256));
        }
        for (long b = 0; b < bytes / type.blockBytes(); b++) {
            long at = offset + b * type.blockBytes();
            w.set(SHORT, at, Float.floatToFloat16((float) r.nextDouble(-0.05, 0.05)));
            if (type == DType.Q4_1 || type == DType.Q5_1) {
                w.set(SHORT, at + 2, Float.floatToFloat16((float) r.nextDouble(-0.5, 0.5)));
            }
        }
        return w;
    }

    static MemorySegment randomFloats(Arena arena, int count, long offset, long seed) {
        MemorySegment s = arena.allocate(offset + count * 4L, 64);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            s.set(FLOAT, offset + i * 4L, (float) r.nextGaussian());
        }
        return s;
    }

    static MemorySegment filled(Arena arena, long floats, float value) {
        MemorySegment s = arena.allocate(floats * 4, 64);
        for (long i = 0; i < floats; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, value);
        }
        return s;
    }

    @ParameterizedTest(name = "{0} k={2} t={3}")
    @MethodSource("cases")
    void vectorMatchesReferenceAndFloat64(MatmulKernel vector, MatmulKernel reference, int k, int t) {
        DType type = vector.weightType();
        assertEquals(type, reference.weightType());
        int n = 37;
        int yStride = n + 5;
        long wOff = 7;
        long xOff = 12;
        long prepOff = 64 + 3;
        long yOff = 20;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment w = randomWeights(arena, type, n, k, wOff, 1000 + k + t);
            MemorySegment x = randomFloats(arena, t * k, xOff, 2000 + k + t);
            long prepBytes = vector.preparedBytes(t, k);
            assertEquals(prepBytes, reference.preparedBytes(t, k));
            MemorySegment prepV = arena.allocate(prepOff + prepBytes, 64);
            MemorySegment prepR = arena.allocate(prepOff + prepBytes, 64);
            vector.prepare(x, xOff, k, 0, t, prepV, prepOff);
            reference.prepare(x, xOff, k, 0, t, prepR, prepOff);
            assertEquals(-1, prepV.mismatch(prepR), "prepared activations differ between vector and reference");

            MemorySegment yV = filled(arena, yOff / 4 + (long) t * yStride, SENTINEL);
            MemorySegment yR = filled(arena, yOff / 4 + (long) t * yStride, SENTINEL);
            vector.multiply(w, wOff, k, prepV, prepOff, t, yV, yOff, yStride, 0, n);
            reference.multiply(w, wOff, k, prepR, prepOff, t, yR, yOff, yStride, 0, n);

            for (int j = 0; j < t; j++) {
                for (int i = 0; i < yStride; i++) {
                    long at = yOff + ((long) j * yStride + i) * 4;
                    float v = yV.get(FLOAT, at);
                    float r = yR.get(FLOAT, at);
                    if (i >= n) {
                        assertEquals(SENTINEL, v, "vector kernel wrote past row n at token " + j);
                        assertEquals(SENTINEL, r, "reference wrote past row n at token " + j);
                        continue;
                    }
                    double[] exact = Float64Dot.dot(type, w, wOff + i * type.rowBytes(k), k, prepV,
                            prepOff + j * (prepBytes / t));
                    // Both kernels round every product-sum and accumulation step once in float: with at most
                    // k/32 block terms, 32 element terms per block and a 16-lane reduction, each result is within
                    // (k/32 + 48) * 2^-24 of the sum of magnitudes; doubling covers both and the float64 check.
                    double tol = (k / 32 + 48) * Math.ulp(1f) * exact[1] + 1e-30;
                    String where = type + " k=" + k + " row " + i + " token " + j;
                    assertEquals(exact[0], r, tol, "reference vs float64, " + where);
                    assertEquals(exact[0], v, tol, "vector vs float64, " + where);
                    assertEquals(r, v, 2 * tol, "vector vs reference, " + where);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void rowSplitAcrossWorkersIsBitIdentical(MatmulKernel vector, MatmulKernel reference) {
        DType type = vector.weightType();
        int n = 101;
        int k = 160;
        int t = 3;
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(3)) {
            MemorySegment w = randomWeights(arena, type, n, k, 0, 7);
            MemorySegment x = randomFloats(arena, t * k, 0, 8);
            MemorySegment prep = arena.allocate(vector.preparedBytes(t, k), 64);
            vector.prepare(x, 0, k, 0, t, prep, 0);
            MemorySegment one = filled(arena, (long) t * n, SENTINEL);
            MemorySegment split = filled(arena, (long) t * n, SENTINEL);
            vector.multiply(w, 0, k, prep, 0, t, one, 0, n, 0, n);
            pool.run((from, to, worker) -> vector.multiply(w, 0, k, prep, 0, t, split, 0, n, from, to), n);
            assertEquals(-1, one.mismatch(split), "row-split multiply differs from a single call");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void tokenTilesAgreeWithSingleTokenCalls(MatmulKernel vector, MatmulKernel reference) {
        DType type = vector.weightType();
        int n = 9;
        int k = 224;
        int t = 9;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment w = randomWeights(arena, type, n, k, 0, 12);
            MemorySegment x = randomFloats(arena, t * k, 0, 13);
            long rowBytes = vector.preparedBytes(1, k);
            MemorySegment prep = arena.allocate(vector.preparedBytes(t, k), 64);
            vector.prepare(x, 0, k, 0, t, prep, 0);
            MemorySegment all = filled(arena, (long) t * n, SENTINEL);
            MemorySegment single = filled(arena, (long) t * n, SENTINEL);
            vector.multiply(w, 0, k, prep, 0, t, all, 0, n, 0, n);
            for (int j = 0; j < t; j++) {
                vector.multiply(w, 0, k, prep, j * rowBytes, 1, single, (long) j * n * 4, n, 0, n);
            }
            // Bits may differ: FloatVector.reduceLanes(ADD) leaves the order of a lane reduction unspecified, and
            // the interpreter and C2 (or two differently inlined call sites) do reduce in different orders.
            for (long i = 0; i < (long) t * n; i++) {
                float a = all.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                float b = single.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                assertEquals(a, b, 1e-5f * Math.max(Math.abs(a), 1f),
                        "a token's result depends on the tokens multiplied with it, index " + i);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void prepareSplitAcrossTokensEqualsOneCall(MatmulKernel vector, MatmulKernel reference) {
        int k = 4128;
        int t = 17;
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(3)) {
            MemorySegment x = randomFloats(arena, t * k, 0, 9);
            long bytes = vector.preparedBytes(t, k);
            MemorySegment one = arena.allocate(bytes, 64);
            MemorySegment split = arena.allocate(bytes, 64);
            vector.prepare(x, 0, k, 0, t, one, 0);
            pool.run((from, to, worker) -> vector.prepare(x, 0, k, from, to, split, 0), t);
            assertEquals(-1, one.mismatch(split), "token-split prepare differs from a single call");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void decodeRowMatchesReferenceBitForBit(MatmulKernel vector, MatmulKernel reference) {
        DType type = vector.weightType();
        int k = 4128;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment w = randomWeights(arena, type, 1, k, 5, 11);
            MemorySegment a = filled(arena, k + 1, SENTINEL);
            MemorySegment b = filled(arena, k + 1, SENTINEL);
            vector.decodeRow(w, 5, a, 4, k);
            reference.decodeRow(w, 5, b, 4, k);
            assertEquals(-1, a.mismatch(b), "decoded rows differ");
            assertEquals(SENTINEL, a.getAtIndex(ValueLayout.JAVA_FLOAT, 0), "decodeRow wrote before dstOffset");
            assertTrue(Float.isFinite(a.get(FLOAT, 4 + (k - 1) * 4L)));
        }
    }
}
