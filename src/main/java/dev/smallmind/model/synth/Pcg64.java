package dev.smallmind.model.synth;

/**
 * numpy's {@code PCG64} bit generator: a 128-bit linear congruential state with the XSL-RR output function, seeded
 * from a {@link SeedSequence} as numpy seeds it, and handing out 32-bit words in halves of a 64-bit draw (low half
 * first), as numpy's {@code next_uint32} does.
 */
final class Pcg64 {
    private static final long MULT_HI = 0x2360ED051FC65DA4L;
    private static final long MULT_LO = 0x4385DF649FCCF645L;

    private long stateHi;
    private long stateLo;
    private final long incHi;
    private final long incLo;
    private boolean hasHalf;
    private int half;

    /** @param seeds the sequence's first four 64-bit state words: the initial state, then the stream */
    Pcg64(SeedSequence seeds) {
        long[] w = seeds.generateLongs(4);
        incHi = (w[2] << 1) | (w[3] >>> 63);
        incLo = (w[3] << 1) | 1;
        step();
        long lo = stateLo + w[1];
        stateHi += w[0] + (Long.compareUnsigned(lo, stateLo) < 0 ? 1 : 0);
        stateLo = lo;
        step();
    }

    /** @return the next 64 random bits */
    long nextLong() {
        step();
        return Long.rotateRight(stateHi ^ stateLo, (int) (stateHi >>> 58));
    }

    /** @return the next 32 random bits */
    int nextInt() {
        if (hasHalf) {
            hasHalf = false;
            return half;
        }
        long next = nextLong();
        hasHalf = true;
        half = (int) (next >>> 32);
        return (int) next;
    }

    private void step() {
        long hi = Math.unsignedMultiplyHigh(stateLo, MULT_LO) + stateLo * MULT_HI + stateHi * MULT_LO;
        long lo = stateLo * MULT_LO;
        long sum = lo + incLo;
        stateHi = hi + incHi + (Long.compareUnsigned(sum, lo) < 0 ? 1 : 0);
        stateLo = sum;
    }
}
