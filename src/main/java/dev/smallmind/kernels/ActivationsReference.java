package dev.smallmind.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Plain scalar twins of {@link Activations}. GELU follows ggml's definition literally (fp16 rounding through
 * {@link Float#floatToFloat16}); the erf form is computed in double with an erf accurate to about 1e-15, so it
 * also serves as the accuracy yardstick of the vector approximation.
 */
public final class ActivationsReference {
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double SQRT_PI = Math.sqrt(Math.PI);
    /** Below this erf comes from its Taylor series, above it erfc from its continued fraction. */
    private static final double SERIES_LIMIT = 2;
    private static final int CONTINUED_FRACTION_DEPTH = 200;

    private ActivationsReference() {
    }

    /**
     * {@code out[i] = x[i] > 0 ? x[i] : 0}.
     *
     * @param x      input
     * @param xOff   byte offset of x[0]
     * @param out    result
     * @param outOff byte offset of out[0]
     * @param n      element count
     */
    public static void relu(MemorySegment x, long xOff, MemorySegment out, long outOff, int n) {
        for (int i = 0; i < n; i++) {
            float v = x.get(F32.LAYOUT, xOff + 4L * i);
            out.set(F32.LAYOUT, outOff + 4L * i, v > 0 ? v : 0f);
        }
    }

    /**
     * ggml's F32 GELU: the fp16 lookup of the tanh approximation.
     *
     * @param x      input
     * @param xOff   byte offset of x[0]
     * @param out    result
     * @param outOff byte offset of out[0]
     * @param n      element count
     */
    public static void gelu(MemorySegment x, long xOff, MemorySegment out, long outOff, int n) {
        for (int i = 0; i < n; i++) {
            out.set(F32.LAYOUT, outOff + 4L * i, gelu(x.get(F32.LAYOUT, xOff + 4L * i)));
        }
    }

    /**
     * ggml's GELU of one value.
     *
     * @param x input
     * @return ggml's GELU of x
     */
    public static float gelu(float x) {
        if (x <= -Activations.GELU_LIMIT) {
            return 0f;
        }
        if (x >= Activations.GELU_LIMIT) {
            return x;
        }
        float h = Float.float16ToFloat(Float.floatToFloat16(x));
        float t = (float) Math.tanh(Activations.SQRT_2_OVER_PI * h * (1f + Activations.GELU_COEF_A * h * h));
        return Float.float16ToFloat(Float.floatToFloat16(0.5f * h * (1f + t)));
    }

    /**
     * GELU, erf form, computed in double and rounded once.
     *
     * @param x      input
     * @param xOff   byte offset of x[0]
     * @param out    result
     * @param outOff byte offset of out[0]
     * @param n      element count
     */
    public static void geluErf(MemorySegment x, long xOff, MemorySegment out, long outOff, int n) {
        for (int i = 0; i < n; i++) {
            double v = x.get(F32.LAYOUT, xOff + 4L * i);
            out.set(F32.LAYOUT, outOff + 4L * i, (float) (0.5 * v * onePlusErf(v / Math.sqrt(2))));
        }
    }

    /**
     * 1 + erf(z) without cancellation for negative z.
     *
     * @param z argument
     * @return 1 + erf(z), accurate in relative terms also where it is tiny (z very negative)
     */
    public static double onePlusErf(double z) {
        return z >= 0 ? 2 - erfc(z) : erfc(-z);
    }

    /**
     * Complementary error function: Taylor series of erf below 2, continued fraction above.
     *
     * @param z argument, >= 0
     * @return erfc(z) = 1 - erf(z)
     */
    static double erfc(double z) {
        if (z < SERIES_LIMIT) {
            return 1 - erfSeries(z);
        }
        double f = z;
        for (int k = CONTINUED_FRACTION_DEPTH; k >= 1; k--) {
            f = z + (k / 2.0) / f;
        }
        return Math.exp(-z * z) / (SQRT_PI * f);
    }

    private static double erfSeries(double z) {
        double sum = 0;
        double power = z;
        double zz = z * z;
        for (int k = 0; k < 100; k++) {
            double term = power / (2 * k + 1);
            sum += term;
            if (Math.abs(term) < 1e-17 * Math.abs(sum)) {
                break;
            }
            power *= -zz / (k + 1);
        }
        return TWO_OVER_SQRT_PI * sum;
    }

    /**
     * SiLU {@code x / (1 + e^-x)} with {@link Math#exp}.
     *
     * @param x      input
     * @param xOff   byte offset of x[0]
     * @param out    result
     * @param outOff byte offset of out[0]
     * @param n      element count
     */
    public static void silu(MemorySegment x, long xOff, MemorySegment out, long outOff, int n) {
        for (int i = 0; i < n; i++) {
            out.set(F32.LAYOUT, outOff + 4L * i, silu(x.get(F32.LAYOUT, xOff + 4L * i)));
        }
    }

    /**
     * SwiGLU {@code silu(gate) * up}.
     *
     * @param gate    gate projection
     * @param gateOff byte offset of gate[0]
     * @param up      up projection
     * @param upOff   byte offset of up[0]
     * @param out     result
     * @param outOff  byte offset of out[0]
     * @param n       element count
     */
    public static void swiglu(MemorySegment gate, long gateOff, MemorySegment up, long upOff, MemorySegment out,
                              long outOff, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate.get(F32.LAYOUT, gateOff + 4L * i);
            out.set(F32.LAYOUT, outOff + 4L * i, silu(g) * up.get(F32.LAYOUT, upOff + 4L * i));
        }
    }

    private static float silu(float x) {
        return x / (1f + (float) Math.exp(-x));
    }
}
