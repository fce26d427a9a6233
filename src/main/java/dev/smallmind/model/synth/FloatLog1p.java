package dev.smallmind.model.synth;

/**
 * {@code log1p} in float arithmetic, step for step as fdlibm's float version computes it: the one glibc ships as
 * {@code log1pf} up to 2.40, which numpy calls in its normal sampler's tail. It is not correctly rounded (one
 * result in fourteen differs from the rounded {@code StrictMath.log1p}), and the tail values of the reference
 * models carry its roundings, so only these exact steps reproduce them. Checked against glibc 2.36 on every input
 * the sampler can pass ({@code -k / 2^24}, {@code 0 <= k < 2^24}).
 *
 * <p>Domain: {@code -1 < x <= 0}, all the sampler needs; the argument reduction below is written for it.
 */
final class FloatLog1p {
    private static final float LN2_HI = Float.intBitsToFloat(0x3f317180);
    private static final float LN2_LO = Float.intBitsToFloat(0x3717f7d1);
    /** The minimax coefficients of {@code (log((1+s)/(1-s)) - 2s) / s} in powers of {@code s^2}. */
    private static final float LP1 = Float.intBitsToFloat(0x3F2AAAAB);
    private static final float LP2 = Float.intBitsToFloat(0x3ECCCCCD);
    private static final float LP3 = Float.intBitsToFloat(0x3E924925);
    private static final float LP4 = Float.intBitsToFloat(0x3E638E29);
    private static final float LP5 = Float.intBitsToFloat(0x3E3A3325);
    private static final float LP6 = Float.intBitsToFloat(0x3E1CD04F);
    private static final float LP7 = Float.intBitsToFloat(0x3E178897);
    /** Below this magnitude (2^-29) {@code x - x^2/2} is exact to float precision. */
    private static final int TINY = 0x31000000;
    /** Below this magnitude (2^-54) {@code log1p(x) = x}. */
    private static final int NEGLIGIBLE = 0x24800000;
    /** {@code -(1 - sqrt(2)/2)}: above it {@code x} is reduced directly, below it {@code 1 + x} is normalized. */
    private static final int DIRECT_LIMIT = 0xbe95f61f;
    /** The mantissa of {@code sqrt(2)}: normalized arguments fall in {@code [sqrt(2)/2, sqrt(2))}. */
    private static final int SQRT2_MANTISSA = 0x3504f7;

    private FloatLog1p() {
    }

    /**
     * @param x a value in {@code (-1, 0]}
     * @return {@code log(1 + x)} rounded as glibc's {@code log1pf} rounds it
     */
    static float of(float x) {
        int hx = Float.floatToRawIntBits(x);
        int ax = hx & 0x7fffffff;
        if (ax < TINY) {
            return ax < NEGLIGIBLE ? x : x - x * x * 0.5f;
        }
        int k = 0;
        float f = x;
        float c = 0f;
        int hu = 1;
        if (hx > DIRECT_LIMIT) {
            float u = 1f + x;
            hu = Float.floatToRawIntBits(u);
            k = (hu >> 23) - 127;
            // The rounding error of 1 + x, carried as a correction to the result.
            c = (k > 0 ? 1f - (u - x) : x - (u - 1f)) / u;
            hu &= 0x007fffff;
            if (hu < SQRT2_MANTISSA) {
                u = Float.intBitsToFloat(hu | 0x3f800000);
            } else {
                k++;
                u = Float.intBitsToFloat(hu | 0x3f000000);
                hu = (0x00800000 - hu) >> 2;
            }
            f = u - 1f;
        }
        float hfsq = 0.5f * f * f;
        if (hu == 0) {
            if (f == 0f) {
                return k == 0 ? 0f : k * LN2_HI + (c + k * LN2_LO);
            }
            float r = hfsq * (1f - 0.66666666666666666f * f);
            return k == 0 ? f - r : k * LN2_HI - ((r - (k * LN2_LO + c)) - f);
        }
        float s = f / (2f + f);
        float z = s * s;
        float r = z * (LP1 + z * (LP2 + z * (LP3 + z * (LP4 + z * (LP5 + z * (LP6 + z * LP7))))));
        return k == 0 ? f - (hfsq - s * (hfsq + r))
                : k * LN2_HI - ((hfsq - (s * (hfsq + r) + (k * LN2_LO + c))) - f);
    }
}
