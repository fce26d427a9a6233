package dev.smallmind.kernels.matmul;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Index vectors that turn four chunks of an interleaved group (one int per row in each, as
 * {@link Q4_0InterleavedMatmul}, {@link Q8_0InterleavedMatmul}, {@link Q5_0InterleavedMatmul} and
 * {@link Q4_KInterleavedMatmul} lay them out; {@link Q6_KInterleavedMatmul} transposes its eight decoded fields
 * with them) back into rows, at 256 or 512 bits, where a group has one row per int lane ({@code L} lanes, {@code L}
 * rows):
 * {@code PAIRS.selectFrom(c0, c1)} pairs the chunks' ints of the first {@code L / 2} rows ({@code c0[r], c1[r]};
 * indexes plus {@link #HALF}: the other rows), {@code QUADS.selectFrom(pairs01, pairs23)} makes {@link #QUAD_ROWS}
 * rows of four ints each ({@code c0[r], c1[r], c2[r], c3[r]}; plus {@link #HALF}: the next {@code QUAD_ROWS} rows of
 * the pairs), and {@code SPREAD.selectFrom(quads)} repeats the first {@code L / 4} of row 0's four ints over the
 * lanes (plus {@code 4n}: row {@code n}; plus {@code L / 4}: the rest at 256 bits, {@link #SPANS}), one lane per byte
 * of them. Offsets are added to the indexes rather than kept as more constants, so that the decoding loops stay
 * loops: written out, they outgrew C1's register allocator.
 */
final class ChunkTranspose {
    /** The species these indexes are for: the preferred one, one int lane per row of a group. */
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Rows of a group that one quads vector holds, four ints each: 4 at 512 bits, 2 at 256. */
    static final int QUAD_ROWS = I.length() / 4;
    /** Spread vectors per row of a quads vector: its four ints over {@code L} lanes, 4 bytes an int. */
    static final int SPANS = 4 / Math.max(1, QUAD_ROWS);
    /** What {@link #PAIRS} and {@link #QUADS} are offset by to take the second half of their sources' rows. */
    static final int HALF = I.length() / 2;
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

    /**
     * @return whether this JVM's preferred int vectors are ones the indexes are for: 256 or 512 bits, one lane per
     *         row of a group
     */
    static boolean preferred() {
        return (I.length() == 8 || I.length() == 16) && I.length() == GroupPacking.GROUP;
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
