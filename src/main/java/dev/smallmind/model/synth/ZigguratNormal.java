package dev.smallmind.model.synth;

/**
 * Standard normal floats drawn as numpy's {@code Generator.standard_normal(dtype=np.float32)} draws them: a
 * 256-layer ziggurat over 32-bit words (8 bits pick the layer, 1 the sign, 23 the position), with the wedge and
 * tail tests of numpy's {@code random_standard_normal_f}. The layer tables are computed here from the ziggurat's
 * definition the way numpy's tables were generated (the layer edges by the recursion {@code x' = f^-1(f(x) + V/x)}
 * from the tail edge {@code R}, each table rounded once to float or to an integer), so the same words give the same
 * floats, bit for bit.
 */
final class ZigguratNormal {
    private static final int LAYERS = 256;
    /** Where the tail begins, and the area of every layer. */
    private static final double R = 3.6541528853610087963519472518;
    private static final double AREA = 0.0049286732339746519;
    private static final float R_F = 3.6541528853610088f;
    private static final float INV_R_F = 0.27366123732975828f;
    private static final double POSITIONS = 0x1p23;
    /** A layer's fast-acceptance bound on the 23-bit position. */
    private static final int[] KI = new int[LAYERS];
    /** A layer's width per position step. */
    private static final float[] WI = new float[LAYERS];
    /** The density at a layer's edge. */
    private static final float[] FI = new float[LAYERS];

    static {
        double[] x = new double[LAYERS];
        x[LAYERS - 1] = R;
        for (int i = LAYERS - 2; i >= 1; i--) {
            x[i] = Math.sqrt(-2 * StrictMath.log(density(x[i + 1]) + AREA / x[i + 1]));
        }
        KI[0] = (int) Math.rint(R * density(R) / AREA * POSITIONS);
        WI[0] = (float) (AREA / density(R) / POSITIONS);
        FI[0] = 1f;
        for (int i = 1; i < LAYERS; i++) {
            KI[i] = (int) Math.rint(x[i - 1] / x[i] * POSITIONS);
            WI[i] = (float) (x[i] / POSITIONS);
            FI[i] = (float) density(x[i]);
        }
    }

    private final Pcg64 bits;

    /** @param bits the generator the words come from */
    ZigguratNormal(Pcg64 bits) {
        this.bits = bits;
    }

    /** @return the next standard normal value */
    float next() {
        while (true) {
            int r = bits.nextInt();
            int layer = r & 0xFF;
            int position = (r >>> 9) & 0x7FFFFF;
            float x = position * WI[layer];
            if (((r >>> 8) & 1) != 0) {
                x = -x;
            }
            if (position < KI[layer]) {
                return x;
            }
            if (layer == 0) {
                return tail(position);
            }
            if ((FI[layer - 1] - FI[layer]) * nextFloat() + FI[layer] < StrictMath.exp(-0.5 * x * x)) {
                return x;
            }
        }
    }

    /**
     * Beyond {@link #R}, by Marsaglia's exponential rejection; the sign comes from a bit of the layer's draw. The
     * logarithms are glibc's float ones ({@link FloatLog1p}), whose roundings the reference files carry.
     */
    private float tail(int position) {
        while (true) {
            float xx = -INV_R_F * FloatLog1p.of(-nextFloat());
            float yy = -FloatLog1p.of(-nextFloat());
            if (yy + yy > xx * xx) {
                return ((position >>> 8) & 1) != 0 ? -(R_F + xx) : R_F + xx;
            }
        }
    }

    private float nextFloat() {
        return (bits.nextInt() >>> 8) * 0x1p-24f;
    }

    private static double density(double x) {
        return StrictMath.exp(-0.5 * x * x);
    }
}
