package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.parallel.WorkerPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shared checks for the float-weight kernels (F32, F16, BF16): a vector kernel against its scalar reference on
 * random data at misaligned offsets, and split invariance. The weight encoder turns a float into the stored
 * element; values are drawn so that the encoded weights are exactly representable.
 */
final class FloatMatmulParity {
    /** Tries at a comparison in one JIT state before comparing anyway. */
    private static final int STABLE_ATTEMPTS = 5;
    /** Odd byte offsets into 64-byte aligned segments, so no operand starts on a vector boundary. */
    static final long W_OFFSET = 64 + 4 * 3;
    static final long X_OFFSET = 64 + 4 * 5;
    static final long Y_OFFSET = 4 * 7;
    static final long PREP_OFFSET = 64 + 4 * 2;
    private static final float SENTINEL = Float.intBitsToFloat(0x7fc0_1234);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Encodes one float into a weight element at a byte offset. */
    interface WeightWriter {
        void write(MemorySegment w, long offset, float value);
    }

    private final MatmulKernel kernel;
    private final MatmulKernel reference;
    private final int elementBytes;
    private final WeightWriter writer;
    private final Arena arena = Arena.ofShared();

    FloatMatmulParity(MatmulKernel kernel, MatmulKernel reference, int elementBytes, WeightWriter writer) {
        this.kernel = kernel;
        this.reference = reference;
        this.elementBytes = elementBytes;
        this.writer = writer;
    }

    /** Operands of one multiplication, with the decoded weights kept for the error bound. */
    final class Case {
        final int n;
        final int k;
        final int t;
        final int yStride;
        final MemorySegment w;
        final MemorySegment x;
        final float[] wf;
        final float[] xf;

        Case(int n, int k, int t, long seed) {
            this.n = n;
            this.k = k;
            this.t = t;
            this.yStride = n + 5;
            SplittableRandom r = new SplittableRandom(seed);
            w = arena.allocate(W_OFFSET + (long) n * k * elementBytes, 64);
            x = arena.allocate(X_OFFSET + 4L * t * k, 64);
            wf = new float[n * k];
            xf = new float[t * k];
            MemorySegment one = arena.allocate(4, 4);
            for (int e = 0; e < n * k; e++) {
                writer.write(w, W_OFFSET + (long) e * elementBytes, (float) (r.nextDouble() * 2 - 1));
                reference.decodeRow(w, W_OFFSET + (long) e * elementBytes, one, 0, 1);
                wf[e] = one.get(FLOAT, 0);
            }
            for (int e = 0; e < t * k; e++) {
                xf[e] = (float) (r.nextDouble() * 2 - 1);
                x.set(FLOAT, X_OFFSET + 4L * e, xf[e]);
            }
        }

        MemorySegment newOutput() {
            MemorySegment y = arena.allocate(Y_OFFSET + 4L * yStride * t + 64, 64);
            for (long o = 0; o + 4 <= y.byteSize(); o += 4) {
                y.set(FLOAT, o, SENTINEL);
            }
            return y;
        }

        /** Prepares the activations (in two pieces, when the kernel needs them) and multiplies rows [from, to). */
        void run(MatmulKernel k0, MemorySegment y, int from, int to) {
            long prepBytes = k0.preparedBytes(t, k);
            if (prepBytes == 0) {
                k0.multiply(w, W_OFFSET, k, x, X_OFFSET, t, y, Y_OFFSET, yStride, from, to);
                return;
            }
            MemorySegment prep = arena.allocate(PREP_OFFSET + prepBytes, 64);
            k0.prepare(x, X_OFFSET, k, 0, t / 2, prep, PREP_OFFSET);
            k0.prepare(x, X_OFFSET, k, t / 2, t, prep, PREP_OFFSET);
            k0.multiply(w, W_OFFSET, k, prep, PREP_OFFSET, t, y, Y_OFFSET, yStride, from, to);
        }

        float out(MemorySegment y, int j, int i) {
            return y.get(FLOAT, Y_OFFSET + 4L * ((long) j * yStride + i));
        }

        double absDot(int j, int i) {
            double s = 0;
            for (int e = 0; e < k; e++) {
                s += Math.abs((double) wf[i * k + e] * xf[j * k + e]);
            }
            return s;
        }
    }

    /**
     * Allowed difference from the double-accumulated reference, relative to the sum of |w*x|. Rounding errors of
     * a float sum of {@code k} products behave like a random walk, about {@code u * sqrt(k)} of that sum
     * ({@code u = 2^-24}): under 4e-6 for {@code k <= 4099}, whether the kernel sums 16 lanes side by side or one
     * chain per output. A wrong, missing or doubled element moves the result by about {@code 1/k} of the sum,
     * at least 2.4e-4 here.
     */
    static final double RELATIVE_TOLERANCE = 1e-5;

    /** Vector vs reference for one shape; also checks that nothing outside the output rows is written. */
    void checkAgainstReference(int n, int k, int t, long seed) {
        Case c = new Case(n, k, t, seed);
        MemorySegment yv = c.newOutput();
        MemorySegment yr = c.newOutput();
        c.run(kernel, yv, 0, n);
        c.run(reference, yr, 0, n);
        for (int j = 0; j < t; j++) {
            for (int i = 0; i < n; i++) {
                float v = c.out(yv, j, i);
                float r = c.out(yr, j, i);
                double tol = RELATIVE_TOLERANCE * c.absDot(j, i) + Float.MIN_NORMAL;
                assertTrue(Math.abs(v - r) <= tol, "n=" + n + " k=" + k + " t=" + t + " y[" + j + "][" + i
                        + "]: vector " + v + " vs reference " + r + ", tolerance " + tol);
            }
        }
        long yBytes = yv.byteSize();
        for (long o = 0; o + 4 <= yBytes; o += 4) {
            long idx = (o - Y_OFFSET) / 4;
            boolean output = o >= Y_OFFSET && idx / c.yStride < t && idx % c.yStride < n;
            if (!output) {
                assertEquals(Float.floatToRawIntBits(SENTINEL), yv.get(ValueLayout.JAVA_INT_UNALIGNED, o),
                        "byte " + o + " outside the output was written");
            }
        }
    }

    /**
     * Splitting the rows by hand and through a two-thread pool gives the same bits as one call. The bits of a
     * one-token product depend on whether it runs interpreted or C2-compiled (lane reduction order), so the
     * whole product is computed before and after the split runs, and the comparison is made only when both agree:
     * the JIT did not replace the code in between (a few attempts; a test class run after other kernels' tests
     * met such a switch).
     */
    void checkSplits(int n, int k, int t, long seed) {
        Case c = new Case(n, k, t, seed);
        int a = Math.min(n, 16);
        int b = Math.min(n, 32);
        MemorySegment whole = c.newOutput();
        MemorySegment parts = c.newOutput();
        MemorySegment pooled = c.newOutput();
        for (int attempt = 0; attempt < STABLE_ATTEMPTS; attempt++) {
            c.run(kernel, whole, 0, n);
            c.run(kernel, parts, 0, a);
            c.run(kernel, parts, a, b);
            c.run(kernel, parts, b, n);
            try (WorkerPool pool = new WorkerPool(2)) {
                pool.run((from, to, worker) -> c.run(kernel, pooled, from, to), n, 16);
            }
            MemorySegment again = c.newOutput();
            c.run(kernel, again, 0, n);
            if (sameBits(c, whole, again)) {
                break;
            }
        }
        assertSameBits(c, whole, parts, "split at the graph's 16-row grain " + a + ", " + b);
        // A split inside a row tile sends rows through the tile-remainder path, whose lane reduction order
        // differs (and differs between the interpreter and C2): the values agree, not necessarily the bits.
        MemorySegment odd = c.newOutput();
        int x = Math.min(n, 1);
        int y = Math.min(n, n / 2 + 1);
        c.run(kernel, odd, 0, x);
        c.run(kernel, odd, x, y);
        c.run(kernel, odd, y, n);
        for (int j = 0; j < c.t; j++) {
            for (int i = 0; i < c.n; i++) {
                float e = c.out(whole, j, i);
                assertEquals(e, c.out(odd, j, i), 1e-5f * Math.max(Math.abs(e), 1f),
                        "split at " + x + ", " + y + ": y[" + j + "][" + i + "]");
            }
        }
        assertSameBits(c, whole, pooled, "two-thread pool");
    }

    private static boolean sameBits(Case c, MemorySegment x, MemorySegment y) {
        for (int j = 0; j < c.t; j++) {
            for (int i = 0; i < c.n; i++) {
                if (Float.floatToRawIntBits(c.out(x, j, i)) != Float.floatToRawIntBits(c.out(y, j, i))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void assertSameBits(Case c, MemorySegment expected, MemorySegment actual, String what) {
        for (int j = 0; j < c.t; j++) {
            for (int i = 0; i < c.n; i++) {
                assertEquals(Float.floatToRawIntBits(c.out(expected, j, i)),
                        Float.floatToRawIntBits(c.out(actual, j, i)),
                        what + ": y[" + j + "][" + i + "] differs (n=" + c.n + " k=" + c.k + " t=" + c.t + ")");
            }
        }
    }

    /** decodeRow of the vector kernel equals the reference's, bit for bit, at odd lengths and offsets. */
    void checkDecodeRow(int count, long seed) {
        Case c = new Case(1, count, 1, seed);
        MemorySegment a = arena.allocate(4L * count + 64, 64);
        MemorySegment b = arena.allocate(4L * count + 64, 64);
        kernel.decodeRow(c.w, W_OFFSET, a, 12, count);
        reference.decodeRow(c.w, W_OFFSET, b, 12, count);
        for (int e = 0; e < count; e++) {
            assertEquals(Float.floatToRawIntBits(b.get(FLOAT, 12 + 4L * e)),
                    Float.floatToRawIntBits(a.get(FLOAT, 12 + 4L * e)), "element " + e + " of " + count);
        }
    }
}
