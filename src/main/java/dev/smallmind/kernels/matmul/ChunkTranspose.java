package dev.smallmind.kernels.matmul;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Index vectors that turn four chunks of a 16-row interleaved group (one int per row in each, as
 * {@link Q4_0InterleavedMatmul}, {@link Q8_0InterleavedMatmul}, {@link Q5_0InterleavedMatmul} and
 * {@link Q4_KInterleavedMatmul} lay them out) back into rows, at 512 bits:
 * {@code PAIRS.selectFrom(c0, c1)} pairs the chunks' ints of rows 0-7 ({@code c0[r], c1[r]}; indexes plus 8: rows
 * 8-15), {@code QUADS.selectFrom(pairs01, pairs23)} makes rows 0-3 of four ints each ({@code c0[r], c1[r], c2[r],
 * c3[r]}; plus 8: rows 4-7), and {@code SPREAD.selectFrom(quads)} repeats row 0's four ints over 16 lanes (plus
 * {@code 4n}: row n), one lane per byte of them. Offsets are added to the indexes rather than kept as more
 * constants, so that the decoding loops stay loops: written out, they outgrew C1's register allocator.
 */
final class ChunkTranspose {
    /** The species these indexes are for: 16 int lanes, one per row of a group. */
    static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    static final IntVector PAIRS = IntVector.fromArray(I, interleaving(2), 0);
    static final IntVector QUADS = IntVector.fromArray(I, interleaving(4), 0);
    static final IntVector SPREAD = IntVector.fromArray(I, spreading(), 0);
    /**
     * Per lane {@code i} of a row spread by {@link #SPREAD}, the right shift that brings down the low nibble of the
     * row's quant byte for column {@code i} (nibble chunks of {@link GroupPacking}'s byte order).
     */
    static final IntVector LOW_NIBBLE_SHIFT = IntVector.fromArray(I, nibbleShifts(0), 0);
    /** The same for the byte's high nibble, column {@code i + 16}. */
    static final IntVector HIGH_NIBBLE_SHIFT = IntVector.fromArray(I, nibbleShifts(1), 0);

    private ChunkTranspose() {
    }

    /** @return whether this JVM's preferred int vectors are the 512-bit ones the indexes are for */
    static boolean preferred() {
        return IntVector.SPECIES_PREFERRED.length() == I.length();
    }

    /** Runs of {@code width / 2} lanes from each of two sources in turn (a two-vector select's indexes). */
    private static int[] interleaving(int width) {
        int[] idx = new int[I.length()];
        int half = width / 2;
        for (int i = 0; i < idx.length; i++) {
            int within = i % width;
            idx[i] = (within < half ? 0 : I.length()) + i / width * half + within % half;
        }
        return idx;
    }

    private static int[] nibbleShifts(int nibble) {
        int[] shifts = new int[I.length()];
        for (int i = 0; i < shifts.length; i++) {
            shifts[i] = 8 * GroupPacking.bytePosition(i % 4) + 4 * nibble;
        }
        return shifts;
    }

    private static int[] spreading() {
        int[] idx = new int[I.length()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i / 4;
        }
        return idx;
    }
}
