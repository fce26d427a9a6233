package dev.smallmind.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Single-precision e^x for vector kernels, computed with the same operations, constants and rounding steps as
 * ggml's AVX-512 {@code ggml_v_expf} (adapted by ggml from the Arm optimized-routines expf; about 2 ulp worst error), so that
 * softmax and SiLU produce the very bits llama.cpp's x86-64 build produces. The JDK's
 * {@code lanewise(EXP)} would be about as fast but rounds differently in the last bit.
 *
 * <p>ggml applies this function to whole blocks of 16 elements from the start of a row and the C library's
 * {@code expf} to the last {@code n % 16}; kernels mirror that split with {@link #vectorBound} and
 * {@link #scalar}.
 *
 * <p>Method: n = round(x / ln 2) via the 1.5 * 2^23 shift trick, b = x - n ln 2 in two FMA steps, a degree-5
 * polynomial for e^b, then a scaling by 2^n. Inputs above 88.38 give +inf, below -103.97 give 0.
 */
final class VectorExp {
    /** ggml's vector block: elements past the last whole block of 16 take the scalar path. */
    static final int GGML_BLOCK = 16;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Floats per call of {@link #expInPlace}. */
    static final int LANES = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private static final float SHIFT = 0x1.8p23f;
    private static final float LOG2E = 0x1.715476p+0f;
    private static final float LN2_HI = 0x1.62e4p-1f;
    private static final float LN2_LO = 0x1.7f7d1cp-20f;
    private static final float P1 = 0x1.ffffecp-1f;
    private static final float P2 = 0x1.fffdb6p-2f;
    private static final float P3 = 0x1.555e66p-3f;
    private static final float P4 = 0x1.573e2ep-5f;
    private static final float P5 = 0x1.0e4020p-7f;
    /** Up to |n| = 126, 2^n is a normal float that can be built directly from bits. */
    private static final float NORMAL_POWER = 126f;
    private static final int ONE_BITS = Float.floatToRawIntBits(1f);
    /** Beyond |n| > 192 the result is 0 or +inf outright (ggml's saturation test). */
    private static final float SATURATE = 192f;

    private VectorExp() {
    }

    /**
     * Replaces the vector of {@link #LANES} floats at {@code x[off]} by their e^x, bit-identical to ggml's AVX-512
     * vector expf.
     *
     * <p>Memory in, memory out, rather than a function of a vector: C2 does not inline a method this size
     * everywhere (a softmax loop compiled during a long request called it instead), and every vector passed to or
     * returned from a call that is not inlined is boxed: 4.5 MB per decoded token then. A call that passes a
     * segment and an offset costs the call, never an allocation. Kept under C2's 325-bytecode limit for hot call
     * sites ({@code FreqInlineSize}), so it is inlined where it runs often.
     *
     * @param x   values
     * @param off byte offset of the first
     */
    static void expInPlace(MemorySegment x, long off) {
        FloatVector v = FloatVector.fromMemorySegment(F, x, off, LE);
        FloatVector z = v.fma(LOG2E, SHIFT);
        FloatVector n = z.sub(SHIFT);
        FloatVector negN = n.neg();
        FloatVector b = negN.fma(v.broadcast(LN2_LO), negN.fma(v.broadcast(LN2_HI), v));
        FloatVector u = b.mul(b);
        FloatVector high = b.fma(P5, P4).fma(u, b.fma(P3, P2));
        FloatVector j = high.fma(u, b.fma(P1, 1f));
        // The shift left n in the low mantissa bits of z: moved into the exponent field, they make 2^n, a normal
        // float for |n| <= 126, so one rounded product equals vscalefps there.
        FloatVector fast = j.mul(z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(ONE_BITS)
                .reinterpretAsFloats());
        // Lanes beyond |n| = 126 (softmax of far-apart scores meets them all the time) take j * 2^n as two exact
        // powers of two of at most 2^96, so only the second product rounds, into subnormals too, as vscalefps;
        // beyond |n| = 192 the result saturates to 0 or +inf. Computed for every vector and blended in, rather
        // than branched to: a rarely taken branch is compiled as a trap back to the interpreter.
        IntVector ni = (IntVector) n.max(-SATURATE).min(SATURATE).convert(VectorOperators.F2I, 0);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector p1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector p2 = ni.sub(n1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector absN = n.abs();
        FloatVector wide = j.mul(p1).mul(p2)
                .blend(j.broadcast(Float.POSITIVE_INFINITY).blend(0f, n.compare(VectorOperators.LE, 0f)),
                        absN.compare(VectorOperators.GT, SATURATE));
        fast.blend(wide, absN.compare(VectorOperators.GT, NORMAL_POWER)).intoMemorySegment(x, off, LE);
    }

    /**
     * The C library expf that ggml uses for the elements after the last whole block.
     *
     * @param x exponent
     * @return e^x rounded to float
     */
    static float scalar(float x) {
        return (float) Math.exp(x);
    }

    /**
     * @param n row length
     * @return end of the part of a row that ggml computes with the vector exp (a multiple of 16)
     */
    static int vectorBound(int n) {
        return n & -GGML_BLOCK;
    }
}
