package dev.smallmind.model.synth;

import java.nio.charset.StandardCharsets;

/**
 * numpy's {@code SeedSequence} with its default pool of four words: entropy words are hashed into the pool, and
 * state words are hashed out of it. Reproduced so that a tensor seeded here draws the same values as
 * {@code numpy.random.default_rng(SeedSequence([seed] + list(name.encode())))}, the recipe of the reference
 * workspace's synthetic models (../shared/golden/README.md).
 */
final class SeedSequence {
    private static final int POOL_SIZE = 4;
    private static final int INIT_A = 0x43b0d7e5;
    private static final int MULT_A = 0x931e8875;
    private static final int INIT_B = 0x8b51f9dd;
    private static final int MULT_B = 0x58f38ded;
    private static final int MIX_MULT_L = 0xca01f9dd;
    private static final int MIX_MULT_R = 0x4973f715;
    private static final int XSHIFT = 16;

    private final int[] pool = new int[POOL_SIZE];
    private int hashConst = INIT_A;

    private SeedSequence(int[] entropy) {
        for (int i = 0; i < POOL_SIZE; i++) {
            pool[i] = hashMix(i < entropy.length ? entropy[i] : 0);
        }
        for (int src = 0; src < POOL_SIZE; src++) {
            for (int dst = 0; dst < POOL_SIZE; dst++) {
                if (src != dst) {
                    pool[dst] = mix(pool[dst], hashMix(pool[src]));
                }
            }
        }
        for (int src = POOL_SIZE; src < entropy.length; src++) {
            for (int dst = 0; dst < POOL_SIZE; dst++) {
                pool[dst] = mix(pool[dst], hashMix(entropy[src]));
            }
        }
    }

    /**
     * The sequence of {@code SeedSequence([seed] + list(name.encode('utf-8')))}: the seed as its little-endian
     * 32-bit words (one word 0 for seed 0), then one word per byte of the name.
     *
     * @param seed a non-negative seed
     * @param name the tensor name
     * @return the seeded sequence
     * @throws IllegalArgumentException for a negative seed, which numpy refuses too
     */
    static SeedSequence of(long seed, String name) {
        if (seed < 0) {
            throw new IllegalArgumentException("the seed must not be negative, got " + seed);
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        int seedWords = (seed >>> 32) != 0 ? 2 : 1;
        int[] entropy = new int[seedWords + bytes.length];
        entropy[0] = (int) seed;
        if (seedWords == 2) {
            entropy[1] = (int) (seed >>> 32);
        }
        for (int i = 0; i < bytes.length; i++) {
            entropy[seedWords + i] = bytes[i] & 0xFF;
        }
        return new SeedSequence(entropy);
    }

    /**
     * {@code generate_state(n, np.uint64)}: {@code 2n} words hashed out of the pool, paired little-endian.
     *
     * @param n how many 64-bit words
     * @return the words
     */
    long[] generateLongs(int n) {
        long[] out = new long[n];
        int hash = INIT_B;
        for (int i = 0; i < 2 * n; i++) {
            int v = pool[i % POOL_SIZE] ^ hash;
            hash *= MULT_B;
            v *= hash;
            v ^= v >>> XSHIFT;
            out[i / 2] |= (v & 0xFFFFFFFFL) << (32 * (i % 2));
        }
        return out;
    }

    private int hashMix(int value) {
        int v = value ^ hashConst;
        hashConst *= MULT_A;
        v *= hashConst;
        return v ^ (v >>> XSHIFT);
    }

    private static int mix(int x, int y) {
        int r = MIX_MULT_L * x - MIX_MULT_R * y;
        return r ^ (r >>> XSHIFT);
    }
}
