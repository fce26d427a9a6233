package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.InterleavedWeights;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.RoundedActivations;
import jdk.incubator.vector.ShortVector;

import java.lang.foreign.MemorySegment;

/**
 * What the kernels over rows interleaved at load ({@link Q4_0InterleavedMatmul}, {@link Q8_0InterleavedMatmul},
 * {@link Q5_0InterleavedMatmul}, {@link Q4_KInterleavedMatmul}, {@link Q6_KInterleavedMatmul}) have in common:
 * groups of {@link GroupPacking#GROUP} rows, activations kept as int16 (by default rounded through Q8_0 blocks,
 * {@link Q8_0PairActivations}; Q4_K and Q6_K use Q8_K, {@link Q8_KGroupMatmul}), and a product that passes over a
 * group once per token and per vector of {@link #ROWS} rows. Each kernel's {@link #dotRows} does the rest; it takes and returns
 * no vectors, so nothing of a kernel's Vector API code is shared through a call.
 */
abstract sealed class Int16GroupMatmul implements MatmulKernel, RoundedActivations, InterleavedWeights
        permits Q4_0InterleavedMatmul, Q5_0InterleavedMatmul, Q8_0InterleavedMatmul, Q8_KGroupMatmul {
    /** Rows whose results one float vector holds (two int16 lanes per row). */
    static final int ROWS = ShortVector.SPECIES_PREFERRED.length() / 2;
    /** Columns of a block. */
    static final int QK = 32;

    @Override
    public final int groupRows() {
        return GroupPacking.GROUP;
    }

    /** Interleaved rows cannot be read one at a time from a row offset; {@link #decodeRows} reads them. */
    @Override
    public final void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
        throw MatmulText.rowNotDecodable(weightType(), GroupPacking.GROUP);
    }

    /**
     * Whole groups at 256 and 512 bits go through {@link #decodeGroups}, which transposes a group's chunks back into
     * rows ({@link ChunkTranspose}); other ranges and widths a row at a time through {@link #decodeGroupRow}.
     */
    @Override
    public final void decodeRows(MemorySegment w, long wOffset, int k, int rowFrom, int rowTo, MemorySegment dst,
                                 long dstOffset) {
        int group = GroupPacking.GROUP;
        if (ChunkTranspose.preferred() && rowFrom % group == 0 && rowTo % group == 0) {
            decodeGroups(w, wOffset, k, rowFrom / group, rowTo / group, dst, dstOffset);
            return;
        }
        long groupBytes = (long) (k / weightType().blockSize()) * group * weightType().blockBytes();
        for (int r = rowFrom; r < rowTo; r++) {
            decodeGroupRow(w, wOffset + (long) (r / group) * groupBytes, r % group, k, dst,
                    dstOffset + (long) (r - rowFrom) * k * Float.BYTES);
        }
    }

    /**
     * Groups {@code [groupFrom, groupTo)} into rows of {@code k} floats from {@code dstOffset}, at 256 or 512 bits.
     *
     * @param wOffset byte offset of group 0
     */
    abstract void decodeGroups(MemorySegment w, long wOffset, int k, int groupFrom, int groupTo, MemorySegment dst,
                               long dstOffset);

    /**
     * One row of a group into {@code k} floats at {@code out}.
     *
     * @param group byte offset of the row's group
     * @param lane  the row within its group
     */
    abstract void decodeGroupRow(MemorySegment w, long group, int lane, int k, MemorySegment dst, long out);

    @Override
    public long preparedBytes(int t, int k) {
        return t * Q8_0PairActivations.rowBytes(k);
    }

    @Override
    public void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep,
                              long prepOffset) {
        Q8_0PairActivations.quantize(x, xOffset, k, from, to, prep, prepOffset, blockSumScale());
    }

    /** @return factor of the prepared block sums ({@link Q8_0PairActivations#quantize}); 1 unless overridden */
    int blockSumScale() {
        return 1;
    }

    /** The Q8_0-rounded activations as floats, the values {@link #prepare} gives the products as int16. */
    @Override
    public void roundRows(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment dst,
                                long dstOffset) {
        Q8_0Activations.quantize(x, xOffset, k, from, to, dst, dstOffset);
    }

    /**
     * @param rowFrom first weight row, a multiple of {@link GroupPacking#GROUP}
     * @param rowTo   one past the last weight row, a multiple of {@link GroupPacking#GROUP}
     */
    @Override
    public final void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                               MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
        int group = GroupPacking.GROUP;
        int nb = k / weightType().blockSize();
        long groupBytes = (long) nb * group * weightType().blockBytes();
        long actRowBytes = preparedBytes(1, k);
        long yRowBytes = (long) yStride * Float.BYTES;
        if (t == 1 && ROWS == group) {
            dotGroups(w, wOffset + rowFrom / group * groupBytes, (rowTo - rowFrom) / group, nb, act, actOffset, k, y,
                    yOffset + (long) rowFrom * Float.BYTES);
            return;
        }
        for (int g = rowFrom / group; g < rowTo / group; g++) {
            for (int s = 0; s < group / ROWS; s++) {
                long rows = wOffset + g * groupBytes;
                long yg = yOffset + ((long) g * group + (long) s * ROWS) * Float.BYTES;
                // Each token passes over the group on its own: the group's bytes are still in L1 or L2 for the
                // next, and one token per call keeps the kernel's method within what C2 compiles whole.
                for (int j = 0; j < t; j++) {
                    dotRows(w, rows + (long) s * ROWS * 4, rows + (long) s * ROWS * 2, nb, act,
                            actOffset + j * actRowBytes, k, y, yg + j * yRowBytes);
                }
            }
        }
    }

    /**
     * One token times {@code groups} consecutive groups of {@link #ROWS} rows each, into {@code groups * ROWS} floats
     * from {@code yo}: by default a group at a time through {@link #dotRows}; a kernel whose per-call start costs much
     * at short rows walks every block of every group in one loop instead.
     *
     * @param first byte offset of the first group
     */
    void dotGroups(MemorySegment w, long first, int groups, int nb, MemorySegment act, long ar, int k,
                   MemorySegment y, long yo) {
        long groupBytes = (long) nb * GroupPacking.GROUP * weightType().blockBytes();
        for (int g = 0; g < groups; g++) {
            long rows = first + g * groupBytes;
            dotRows(w, rows, rows, nb, act, ar, k, y, yo + (long) g * ROWS * Float.BYTES);
        }
    }

    /**
     * {@link #ROWS} rows of one group times one prepared activation row, into {@code ROWS} floats at {@code yo}.
     *
     * @param wq     byte offset of block 0 of the group, plus 4 bytes per row before these (where their quant
     *               vector starts within a chunk)
     * @param scales byte offset of the rows' first scale in block 0
     * @param nb     blocks per row
     * @param ar     byte offset of the prepared activation row
     * @param k      row length
     */
    abstract void dotRows(MemorySegment w, long wq, long scales, int nb, MemorySegment act, long ar, int k,
                          MemorySegment y, long yo);
}
