package dev.smallmind.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Activation functions of transformer feed-forward blocks, over F32 rows: ReLU, GELU (tanh form as ggml computes
 * it, and erf form), SiLU and SwiGLU. {@code out} may be the same memory as an input, never a partial overlap.
 *
 * <p>Fidelity to llama.cpp: {@link #gelu} reproduces ggml's F32 GELU, which looks the result up in a table of
 * half-precision values (input rounded to fp16, result rounded to fp16, identity above 10 and 0 below -10); this
 * quantization is part of what llama.cpp computes for GPT-2 and Phi-2, so it is reproduced rather than avoided.
 * {@link #silu} and {@link #swiglu} use ggml's AVX-512 exp on whole blocks of 16 and the scalar exp on the rest,
 * as ggml does. Scalar twins: {@link ActivationsReference}.
 */
public final class Activations {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = F32.ORDER;

    /** ggml's {@code GELU_COEF_A}: the cubic coefficient of the tanh approximation. */
    static final float GELU_COEF_A = 0.044715f;
    /** ggml's {@code SQRT_2_OVER_PI} as a float. */
    static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;
    /** ggml's {@code SQRT_2_INV} as a float. */
    static final float SQRT_2_INV = 0.70710678118654752440084436210484f;
    /** ggml's GELU returns x itself from here up and 0 from minus this down, skipping its table. */
    static final float GELU_LIMIT = 10f;

    /*
     * erfc(z) ~= t * exp(-z^2 + P(t)), t = 1 / (1 + z/2), z >= 0: the Chebyshev fit from Numerical Recipes
     * ("erfcc"), fractional error below 1.2e-7 for every z >= 0. Coefficients of P from t^0 up.
     */
    private static final float E0 = -1.26551223f;
    private static final float E1 = 1.00002368f;
    private static final float E2 = 0.37409196f;
    private static final float E3 = 0.09678418f;
    private static final float E4 = -0.18628806f;
    private static final float E5 = 0.27886807f;
    private static final float E6 = -1.13520398f;
    private static final float E7 = 1.48851587f;
    private static final float E8 = -0.82215223f;
    private static final float E9 = 0.17087277f;

    private static final int SIGN = 0x8000_0000;
    private static final int EXPONENT = 0x7f80_0000;
    /** Adding 2^(e+13) to a float of exponent e leaves 11 significant bits: fp16 precision. */
    private static final int HALF_SHIFT = 13 << 23;
    /** fp16 subnormals are multiples of 2^-24: the spacing left after adding 0.5. */
    private static final float HALF_SUBNORMAL_SHIFT = 0.5f;

    private Activations() {
    }

    /**
     * {@code out[i] = x[i] > 0 ? x[i] : 0} (NaN gives 0, as in ggml).
     *
     * @param x      input
     * @param xOff   byte offset of x[0]
     * @param out    result, may alias {@code x}
     * @param outOff byte offset of out[0]
     * @param n      element count
     */
    public static void relu(MemorySegment x, long xOff, MemorySegment out, long outOff, int n) {
        checkUnary(x, xOff, out, outOff, n);
        FloatVector zero = FloatVector.zero(F);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            long d = (long) i * Float.BYTES;
            FloatVector v = FloatVector.fromMemorySegment(F, x, xOff + d, LE);
            zero.blend(v, v.compare(VectorOperators.GT, 0f)).intoMemorySegment(out, outOff + d, LE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            long d = (long) i * Float.BYTES;
            FloatVector v = FloatVector.fromMemorySegment(F, x, xOff + d, LE, m);
            zero.blend(v, v.compare(VectorOperators.GT, 0f)).intoMemorySegment(out, outOff + d, LE, m);
        }
    }

    /**
     * GELU, tanh approximation, exactly as ggml computes it for F32:
     * {@code h = fp16(x); out = fp16(0.5 h (1 + tanh(sqrt(2/pi) h (1 + 0.044715 h^2))))} for {@code -10 < x < 10},
     * {@code x} from 10 up, 0 from -10 down.
     *
     * @param x      input
     * @param xOff   byte offset of x[0]
     * @param out    result, may alias {@code x}
     * @param outOff byte offset of out[0]
     * @param n      element count
     */
    public static void gelu(MemorySegment x, long xOff, MemorySegment out, long outOff, int n) {
        checkUnary(x, xOff, out, outOff, n);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            long d = (long) i * Float.BYTES;
            gelu(FloatVector.fromMemorySegment(F, x, xOff + d, LE)).intoMemorySegment(out, outOff + d, LE);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            long d = (long) i * Float.BYTES;
            gelu(FloatVector.fromMemorySegment(F, x, xOff + d, LE, m)).intoMemorySegment(out, outOff + d, LE, m);
        }
    }

    private static FloatVector gelu(FloatVector x) {
        FloatVector h = roundToHalf(x);
        FloatVector inner = h.mul(GELU_COEF_A).mul(h);
        FloatVector t = h.mul(SQRT_2_OVER_PI).mul(inner.add(1f)).lanewise(VectorOperators.TANH);
        FloatVector g = roundToHalf(h.mul(0.5f).mul(t.add(1f)));
        return g.blend(x, x.compare(VectorOperators.GE, GELU_LIMIT))
                .blend(0f, x.compare(VectorOperators.LE, -GELU_LIMIT));
    }

    /**
     * Rounds every lane to the nearest fp16 value (ties to even, like F16C {@code vcvtps2ph}) and back to float,
     * for magnitudes below 65504. Adding then subtracting 2^(e+13) drops all but 11 significant bits in one
     * correctly rounded addition; fp16 subnormals use the fixed shift 0.5 (spacing 2^-24).
     *
     * @param x values with |x| < 65504
     * @return {@code Float.float16ToFloat(Float.floatToFloat16(x))} per lane
     */
    static FloatVector roundToHalf(FloatVector x) {
        IntVector bits = x.reinterpretAsInts();
        IntVector sign = bits.and(SIGN);
        FloatVector magnitude = bits.and(~SIGN).reinterpretAsFloats();
        FloatVector shift = bits.and(EXPONENT).add(HALF_SHIFT).reinterpretAsFloats().max(HALF_SUBNORMAL_SHIFT);
        FloatVector rounded = magnitude.add(shift).sub(shift);
        return rounded.reinterpretAsInts().or(sign).reinterpretAsFloats();
    }

    /**
     * GELU, exact erf form {@code out = 0.5 x (1 + erf(x / sqrt 2))}, with erf from a Chebyshev fit of erfc so
     * that the tiny negative tail keeps its relative accuracy. Relative error of the result: about 1e-6 for
     * {@code |x| < 3}, growing like 1e-7 x^2 further down the negative tail (1.4e-5 at x = -12, where the result is
     * about 1e-32) because the float exponent argument -x^2/2 is rounded.
     *
     * @param x      input
     * @param xOff   byte offset of x[0]
     * @param out    result, may alias {@code x}
     * @param outOff byte offset of out[0]
     * @param n      element count
     */
    public static void geluErf(MemorySegment x, long xOff, MemorySegment out, long outOff, int n) {
        checkUnary(x, xOff, out, outOff, n);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            long d = (long) i * Float.BYTES;
            FloatVector v = FloatVector.fromMemorySegment(F, x, xOff + d, LE);
            FloatVector z = v.mul(SQRT_2_INV);
            FloatVector az = z.abs();
            FloatVector t = v.broadcast(1f).div(az.fma(0.5f, 1f));
            FloatVector p = t.fma(E9, E8);
            p = p.fma(t, t.broadcast(E7));
            p = p.fma(t, t.broadcast(E6));
            p = p.fma(t, t.broadcast(E5));
            p = p.fma(t, t.broadcast(E4));
            p = p.fma(t, t.broadcast(E3));
            p = p.fma(t, t.broadcast(E2));
            p = p.fma(t, t.broadcast(E1));
            p = p.fma(t, t.broadcast(E0));
            az.neg().fma(az, p).intoMemorySegment(out, outOff + d, LE);
            VectorExp.expInPlace(out, outOff + d);
            FloatVector erfc = t.mul(FloatVector.fromMemorySegment(F, out, outOff + d, LE));
            FloatVector onePlusErf = erfc.blend(erfc.neg().add(2f), z.compare(VectorOperators.GE, 0f));
            v.mul(0.5f).mul(onePlusErf).intoMemorySegment(out, outOff + d, LE);
        }
        for (; i < n; i++) {
            long d = 4L * i;
            out.set(F32.LAYOUT, outOff + d, geluErf(x.get(F32.LAYOUT, xOff + d)));
        }
    }

    /** The vector loop's formula for one element, with the C library's exp (ggml's split, as for SiLU). */
    private static float geluErf(float x) {
        float z = x * SQRT_2_INV;
        float az = Math.abs(z);
        float t = 1f / Math.fma(az, 0.5f, 1f);
        float p = Math.fma(t, E9, E8);
        p = Math.fma(p, t, E7);
        p = Math.fma(p, t, E6);
        p = Math.fma(p, t, E5);
        p = Math.fma(p, t, E4);
        p = Math.fma(p, t, E3);
        p = Math.fma(p, t, E2);
        p = Math.fma(p, t, E1);
        p = Math.fma(p, t, E0);
        float erfc = t * VectorExp.scalar(Math.fma(-az, az, p));
        return x * 0.5f * (z >= 0f ? 2f - erfc : erfc);
    }

    /**
     * SiLU {@code out = x / (1 + e^-x)}.
     *
     * @param x      input
     * @param xOff   byte offset of x[0]
     * @param out    result, may alias {@code x}
     * @param outOff byte offset of out[0]
     * @param n      element count
     */
    public static void silu(MemorySegment x, long xOff, MemorySegment out, long outOff, int n) {
        checkUnary(x, xOff, out, outOff, n);
        int bound = VectorExp.vectorBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            long d = (long) i * Float.BYTES;
            FloatVector v = FloatVector.fromMemorySegment(F, x, xOff + d, LE);
            v.neg().intoMemorySegment(out, outOff + d, LE);
            VectorExp.expInPlace(out, outOff + d);
            v.div(FloatVector.fromMemorySegment(F, out, outOff + d, LE).add(1f)).intoMemorySegment(out, outOff + d, LE);
        }
        for (; i < n; i++) {
            long d = (long) i * Float.BYTES;
            out.set(F32.LAYOUT, outOff + d, silu(x.get(F32.LAYOUT, xOff + d)));
        }
    }

    /**
     * SwiGLU {@code out = silu(gate) * up}, the gated feed-forward of Llama, Qwen2 and Phi-3.
     *
     * @param gate    gate projection
     * @param gateOff byte offset of gate[0]
     * @param up      up projection
     * @param upOff   byte offset of up[0]
     * @param out     result, may alias {@code gate} or {@code up}
     * @param outOff  byte offset of out[0]
     * @param n       element count
     */
    public static void swiglu(MemorySegment gate, long gateOff, MemorySegment up, long upOff, MemorySegment out,
                              long outOff, int n) {
        Operands.requireFloats(Operand.GATE, gate, gateOff, n);
        Operands.requireFloats(Operand.UP, up, upOff, n);
        Operands.requireFloats(Operand.OUT, out, outOff, n);
        int bound = VectorExp.vectorBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            long d = (long) i * Float.BYTES;
            FloatVector g = FloatVector.fromMemorySegment(F, gate, gateOff + d, LE);
            FloatVector u = FloatVector.fromMemorySegment(F, up, upOff + d, LE);
            g.neg().intoMemorySegment(out, outOff + d, LE);
            VectorExp.expInPlace(out, outOff + d);
            g.div(FloatVector.fromMemorySegment(F, out, outOff + d, LE).add(1f)).mul(u)
                    .intoMemorySegment(out, outOff + d, LE);
        }
        for (; i < n; i++) {
            long d = (long) i * Float.BYTES;
            out.set(F32.LAYOUT, outOff + d, silu(gate.get(F32.LAYOUT, gateOff + d)) * up.get(F32.LAYOUT, upOff + d));
        }
    }

    private static float silu(float x) {
        return x / (1f + VectorExp.scalar(-x));
    }

    private static void checkUnary(MemorySegment x, long xOff, MemorySegment out, long outOff, int n) {
        Operands.requireFloats(Operand.X, x, xOff, n);
        Operands.requireFloats(Operand.OUT, out, outOff, n);
    }
}
