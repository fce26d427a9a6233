package dev.smallmind.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static dev.smallmind.kernels.TestFloats.assertClose;
import static dev.smallmind.kernels.TestFloats.assertUlps;
import static dev.smallmind.kernels.TestFloats.place;
import static dev.smallmind.kernels.TestFloats.random;
import static dev.smallmind.kernels.TestFloats.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ActivationsTest {
    private static final Arena ARENA = Arena.ofShared();
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    @AfterAll
    static void close() {
        ARENA.close();
    }

    static java.util.stream.IntStream sizes() {
        return TestFloats.sizes();
    }

    private interface Unary {
        void apply(MemorySegment x, long xOff, MemorySegment out, long outOff, int n);
    }

    /** Runs a kernel and its reference on the same input at different offsets; returns {kernel, reference}. */
    private static float[][] both(Unary kernel, Unary reference, float[] x) {
        int n = x.length;
        MemorySegment in = place(ARENA, 12, x);
        MemorySegment out = place(ARENA, 20, new float[n]);
        MemorySegment ref = place(ARENA, 8, new float[n]);
        kernel.apply(in, 12, out, 20, n);
        reference.apply(in, 12, ref, 8, n);
        return new float[][] {read(out, 20, n), read(ref, 8, n)};
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void reluEqualsReference(int n) {
        float[][] r = both(Activations::relu, ActivationsReference::relu, random(n, 11, -5, 5));
        assertArrayEquals(r[1], r[0]);
    }

    @Test
    void reluMapsNegativeZeroAndNanToZeroLikeGgml() {
        float[][] r = both(Activations::relu, ActivationsReference::relu,
                new float[] {-0f, Float.NaN, -1f, 2f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 0f});
        assertArrayEquals(new float[] {0f, 0f, 0f, 2f, 0f, Float.POSITIVE_INFINITY, 0f}, r[0]);
        assertArrayEquals(r[1], r[0]);
    }

    @Test
    void roundToHalfEqualsJavaFloat16ConversionIncludingTies() {
        int checked = 0;
        for (int h = 0; h < 0x7bff; h++) {
            float lo = Float.float16ToFloat((short) h);
            float hi = Float.float16ToFloat((short) (h + 1));
            float mid = (lo + hi) / 2;
            float[] probes = {lo, mid, Math.nextDown(mid), Math.nextUp(mid), -lo, -mid, -Math.nextUp(mid)};
            for (float p : probes) {
                checkRoundToHalf(p);
                checked++;
            }
        }
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 100_000; i++) {
            checkRoundToHalf((float) ((r.nextDouble() * 2 - 1) * Math.pow(2, r.nextInt(-30, 16))));
        }
        assertTrue(checked > 200_000);
    }

    private static void checkRoundToHalf(float x) {
        float expected = Float.float16ToFloat(Float.floatToFloat16(x));
        float actual = Activations.roundToHalf(FloatVector.broadcast(F, x)).lane(0);
        if (Float.floatToIntBits(expected) != Float.floatToIntBits(actual)) {
            fail("fp16 rounding of " + x + " (" + Integer.toHexString(Float.floatToIntBits(x)) + "): expected "
                    + expected + ", got " + actual);
        }
    }

    /**
     * Both sides round their result to fp16; they differ only when the JDK's vector tanh and
     * {@code Math.tanh} straddle an fp16 rounding boundary, which moves the result by one fp16 step.
     */
    @ParameterizedTest
    @MethodSource("sizes")
    void geluIsWithinOneFp16StepOfReference(int n) {
        float[][] r = both(Activations::gelu, ActivationsReference::gelu, random(n, 12, -12, 12));
        for (int i = 0; i < n; i++) {
            int steps = Math.abs(halfOrder(r[0][i]) - halfOrder(r[1][i]));
            if (steps > 1) {
                fail("gelu[" + i + "]: vector " + r[0][i] + ", reference " + r[1][i] + " (" + steps + " fp16 steps)");
            }
        }
    }

    private static int halfOrder(float v) {
        short h = Float.floatToFloat16(v);
        return h < 0 ? -(h & 0x7fff) : h;
    }

    @Test
    void geluFollowsGgmlDefinitionAtKnownPoints() {
        float[] x = {-20f, -10f, -9.99f, -3f, -1f, -0.5f, 0f, 0.001f, 0.5f, 1f, 2f, 3f, 9.99f, 10f, 12.5f};
        float[][] r = both(Activations::gelu, ActivationsReference::gelu, x);
        assertArrayEquals(r[1], r[0]);
        assertEquals(0f, r[0][0]);
        assertEquals(0f, r[0][1]);
        assertEquals(0f, r[0][6]);
        assertEquals(10f, r[0][13]);
        assertEquals(12.5f, r[0][14]);
        for (int i = 2; i < 13; i++) {
            double v = x[i];
            double exact = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
            // input and output both rounded to fp16 (relative 2^-11 each); the slope of GELU is at most 1.13
            double tolerance = 0x1p-11 * (1.13 * Math.abs(v) + Math.abs(exact)) + 1e-7;
            assertEquals(exact, r[0][i], tolerance, "gelu(" + v + ")");
        }
        assertEquals(0.8411919906082768, r[0][9], 1e-3);
    }

    /**
     * The vector erf comes from a fit with 1.2e-7 relative error, evaluated in float: near 0 that gives about
     * 1e-6 relative; in the negative tail the float exponent argument (about -x^2/2) carries a rounding error that
     * grows with x^2 (1.4e-5 relative at x = -12, where the result is about 1e-32).
     */
    @ParameterizedTest
    @MethodSource("sizes")
    void geluErfMatchesDoublePrecisionReference(int n) {
        float[] x = random(n, 13, -12, 12);
        float[][] r = both(Activations::geluErf, ActivationsReference::geluErf, x);
        for (int i = 0; i < n; i++) {
            double tolerance = (1e-6 + 1.2e-7 * x[i] * x[i]) * Math.abs(r[1][i]);
            assertEquals(r[1][i], r[0][i], tolerance, "geluErf(" + x[i] + ")");
        }
    }

    @Test
    void geluErfAtKnownPoints() {
        float[] x = {-5f, -1f, 0f, 1f, 3f};
        double[] expected = {-1.4332578593959695e-06, -0.15865525393145707, 0, 0.8413447460685429, 2.995950245579691};
        float[][] r = both(Activations::geluErf, ActivationsReference::geluErf, x);
        assertClose(expected, r[0], 4e-6, 1e-30, "geluErf kernel");
        assertClose(expected, r[1], 1e-7, 1e-30, "geluErf reference");
    }

    @Test
    void referenceErfMatchesTables() {
        assertEquals(0.5204998778130465, ActivationsReference.onePlusErf(0.5) - 1, 1e-15);
        assertEquals(0.8427007929497149, ActivationsReference.onePlusErf(1) - 1, 1e-15);
        assertEquals(0.9953222650189527, ActivationsReference.onePlusErf(2) - 1, 1e-15);
        assertEquals(0.004677734981047266, ActivationsReference.erfc(2), 1e-17);
        assertEquals(0.033894853524689274, ActivationsReference.erfc(1.5), 1e-16);
        assertEquals(2.209049699858544e-05, ActivationsReference.erfc(3), 1e-19);
        assertEquals(1.5374597944280349e-12, ActivationsReference.erfc(5), 1e-26);
        assertEquals(1.5374597944280349e-12, ActivationsReference.onePlusErf(-5), 1e-26);
    }

    /** Vector exp is within 2.5 ulp, Math.exp within 1; the division adds half an ulp: 4 ulp covers both. */
    @ParameterizedTest
    @MethodSource("sizes")
    void siluIsWithinFourUlpOfReference(int n) {
        float[][] r = both(Activations::silu, ActivationsReference::silu, random(n, 14, -20, 20));
        assertUlps(r[1], r[0], 4, "silu");
    }

    @Test
    void siluUsesGgmlVectorExpOnWholeBlocksAndScalarExpOnTheRest() {
        int n = 1031;
        float[] x = random(n, 15, -8, 8);
        float[][] r = both(Activations::silu, ActivationsReference::silu, x);
        for (int i = 0; i < n; i++) {
            float e = i < 1024 ? VectorExpTest.ggmlExp(-x[i]) : (float) Math.exp(-x[i]);
            assertEquals(x[i] / (1f + e), r[0][i], 0f, "silu[" + i + "]");
        }
    }

    @Test
    void siluAtKnownPoints() {
        float[] x = {-200f, -2f, 0f, 1f, 200f};
        float[][] r = both(Activations::silu, ActivationsReference::silu, x);
        assertClose(new double[] {0, -0.23840584404423515, 0, 0.7310585786300049, 200}, r[0], 3e-7, 0, "silu");
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void swigluIsSiluOfGateTimesUp(int n) {
        float[] g = random(n, 16, -10, 10);
        float[] u = random(n, 17, -3, 3);
        MemorySegment sg = place(ARENA, 12, g);
        MemorySegment su = place(ARENA, 4, u);
        MemorySegment out = place(ARENA, 28, new float[n]);
        MemorySegment ref = place(ARENA, 12, new float[n]);
        MemorySegment silu = place(ARENA, 12, new float[n]);
        Activations.swiglu(sg, 12, su, 4, out, 28, n);
        ActivationsReference.swiglu(sg, 12, su, 4, ref, 12, n);
        assertUlps(read(ref, 12, n), read(out, 28, n), 4.5f, "swiglu");
        Activations.silu(sg, 12, silu, 12, n);
        ElementWise.mul(silu, 12, su, 4, silu, 12, n);
        assertArrayEquals(read(silu, 12, n), read(out, 28, n));
        Activations.swiglu(sg, 12, su, 4, sg, 12, n);
        assertArrayEquals(read(out, 28, n), read(sg, 12, n), "in place over the gate");
    }
}
