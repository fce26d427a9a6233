package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.ColumnDecoding;
import dev.smallmind.tensor.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q8_0 weights interleaved at load in groups of {@link #GROUP} rows, times activations rounded through Q8_0
 * blocks and kept as int16 ({@link Q8_0PairActivations}): two products at a time are formed and summed in int16
 * lanes and then widened, instead of converting every weight byte to a float ({@link Q8_0Matmul}), which costs
 * three vector operations per 16 weights where this costs about one per 6.
 *
 * <p>Layout of a group, per block {@code b} (32 columns), the bytes its GGUF blocks take (544 for 16 rows): the rows'
 * fp16 scales, then 8 chunks of {@code 4 * GROUP} bytes; chunk {@code c} holds, for row {@code r} at byte {@code 4r},
 * the row's quants {@code q[4c], q[4c+2], q[4c+1], q[4c+3]}. Read as int16 lanes, lane {@code 2r + e} carries columns
 * {@code 4c+e} (low byte) and {@code 4c+2+e} (high byte) of row {@code r}: each byte taken out of the whole vector
 * pairs with one activation pair broadcast to every row, the two products of a lane sum in int16 (at most 2 x 128 x 127
 * = 32512), and the two halves of each int32 lane, widened, add up into the row's block sum. A group's results come out
 * as one float vector per lanes / 2 rows, no reduction across lanes; the group is one sequential stream.
 *
 * <p>The block sums are exact integers, so a row's result is {@code sum_b d_b * da_b * s_b} as in ggml's
 * {@code vec_dot_q8_0_q8_0}, accumulated with FMAs. Scalar twin, over the GGUF rows these are packed from:
 * {@link Q8_0MatmulReference}.
 */
public final class Q8_0InterleavedMatmul extends Int16GroupMatmul implements ColumnDecoding {
    /** Rows interleaved in one group: 16 at 512 bits, 8 at 256 ({@link GroupPacking#GROUP}). */
    public static final int GROUP = GroupPacking.GROUP;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** The fp16 scales of {@link #ROWS} rows. */
    private static final VectorSpecies<Short> SCALES = VectorSpecies.of(short.class, VectorShape.forBitSize(ROWS * 16));
    /** Bytes of a row that {@link #decodeRows} converts at once, a quarter of the float width. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * 8));
    /** {@link #B} as ints, one per chunk, to assemble a row's bytes. */
    private static final VectorSpecies<Integer> BI = VectorSpecies.of(int.class, B.vectorShape());
    /** Within every 4 bytes, {@code q[0], q[2], q[1], q[3]} back to {@code q[0..3]} (its own inverse). */
    private static final VectorShuffle<Byte> UNSWAP = VectorShuffle.fromOp(B, i -> (i & ~3) | ((i & 1) << 1) | ((i >> 1) & 1));
    /** Per lane, the left shift that brings column {@code i % 4} of a chunk's int to the top byte. */
    private static final IntVector BYTE_TO_TOP = IntVector.fromArray(I, byteShifts(), 0);
    private static final IntVector TWENTY_FOUR = IntVector.broadcast(I, 24);
    // Int shift counts as vectors rather than scalar operands: with scalar operands C2 left some vector operations as
    // calls into the Vector API's Java fallback (docs/architecture.md, "Speculative types", before TypeProfileLevel=0
    // was required). The int16 shifts in dot take constant counts: AVX2 shifts int16 lanes by a vector of counts only
    // through a widening sequence (AVX-512 has it as one instruction), which made medium Q8_0 decode 21-22 instead of
    // 47-48 tok/s on a Zen 3.
    private static final IntVector HALF_MAGNITUDE = IntVector.broadcast(I, 0x7FFF);
    private static final IntVector HALF_SIGN = IntVector.broadcast(I, 0x8000);
    private static final IntVector THIRTEEN = IntVector.broadcast(I, 13);
    private static final IntVector SIXTEEN = IntVector.broadcast(I, 16);
    private static final int BLOCK_BYTES = 34;
    private static final int GROUP_BLOCK_BYTES = GROUP * BLOCK_BYTES;
    private static final int SCALE_BYTES = GROUP * 2;
    private static final int CHUNK_BYTES = GROUP * 4;
    /** {@code 2^112}: an fp16 value's exponent and mantissa moved into a float's fields, times this, is its value. */
    private static final float HALF_TO_FLOAT = 0x1p112f;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * @return whether this JVM's vectors suit the kernel: 16 or more int16 lanes, whole groups per vector set
     *         (256-bit vectors and up), else models run {@link Q8_0Matmul}
     */
    public static boolean supported() {
        return S.length() >= 16 && GROUP % ROWS == 0;
    }

    @Override
    public DType weightType() {
        return DType.Q8_0;
    }

    /**
     * Rearranges whole groups of GGUF rows into the interleaved layout.
     *
     * @throws IllegalArgumentException when {@code rows} is not a multiple of {@link #GROUP} or a block scale is
     *                                  not finite (its byte offset in {@code src} named)
     */
    @Override
    public void pack(MemorySegment src, long srcOffset, int k, int rows, MemorySegment dst, long dstOffset) {
        GroupPacking.pack(DType.Q8_0, src, srcOffset, k, rows, dst, dstOffset);
    }

    /** A chunk's int holds columns 0, 2, 1, 3 in its bytes 0 to 3. */
    private static int[] byteShifts() {
        int[] shifts = new int[I.length()];
        for (int i = 0; i < shifts.length; i++) {
            int position = GroupPacking.bytePosition(i % 4);
            shifts[i] = 24 - 8 * position;
        }
        return shifts;
    }

    /** Row {@code lane} of the group at {@code group}, its 4-byte pieces gathered from the chunks. */
    @Override
    void decodeGroupRow(MemorySegment w, long group, int lane, int k, MemorySegment dst, long out) {
        int nb = k / QK;
        for (int b = 0; b < nb; b++) {
            long wb = group + (long) b * GROUP_BLOCK_BYTES;
            long qb = wb + SCALE_BYTES + 4L * lane;
            long db = out + (long) b * QK * Float.BYTES;
            float d = Float.float16ToFloat(w.get(SHORT, wb + 2L * lane));
            for (int h = 0; h < QK; h += B.length()) {
                IntVector bytes = IntVector.zero(BI);
                for (int l = 0; l < BI.length(); l++) {
                    bytes = bytes.withLane(l, w.get(INT, qb + ((h >> 2) + l) * (long) CHUNK_BYTES));
                }
                FloatVector q = (FloatVector) bytes.reinterpretAsBytes().rearrange(UNSWAP)
                        .convertShape(VectorOperators.B2F, F, 0);
                q.mul(d).intoMemorySegment(dst, db + h * 4L, LE);
            }
        }
    }

    /**
     * Groups {@code [groupFrom, groupTo)} (one int lane per row of a chunk): four chunks, 16 columns of the group's
     * rows, are transposed back into rows by two-vector permutes ({@link ChunkTranspose}), instead of gathering each
     * row's pieces one by one; a row's 16 bytes then spread over the lanes (in two spans at 256 bits). The quads,
     * rows and spans stay loops: written out, the method outgrew C1's register allocator ("out of virtual
     * registers"), and in one JVM in two it then ran C1's boxing code for good (prefill ten times slower).
     */
    @Override
    void decodeGroups(MemorySegment w, long wOffset, int k, int groupFrom, int groupTo, MemorySegment dst,
                      long dstOffset) {
        int nb = k / QK;
        long groupBytes = (long) nb * GROUP_BLOCK_BYTES;
        long rowFloats = (long) k * Float.BYTES;
        for (int g = groupFrom; g < groupTo; g++) {
            long group = wOffset + g * groupBytes;
            long out = dstOffset + (long) (g - groupFrom) * GROUP * rowFloats;
            for (int b = 0; b < nb; b++) {
                long wb = group + (long) b * GROUP_BLOCK_BYTES;
                for (int h = 0; h < QK / 16; h++) {
                    long qc = wb + SCALE_BYTES + 4L * h * CHUNK_BYTES;
                    IntVector c0 = IntVector.fromMemorySegment(I, w, qc, LE);
                    IntVector c1 = IntVector.fromMemorySegment(I, w, qc + CHUNK_BYTES, LE);
                    IntVector c2 = IntVector.fromMemorySegment(I, w, qc + 2 * CHUNK_BYTES, LE);
                    IntVector c3 = IntVector.fromMemorySegment(I, w, qc + 3 * CHUNK_BYTES, LE);
                    long db = out + ((long) b * QK + 16L * h) * Float.BYTES;
                    for (int quad = 0; quad < 4; quad++) {
                        IntVector pairs = ChunkTranspose.PAIRS.lanewise(VectorOperators.ADD,
                                IntVector.broadcast(I, ChunkTranspose.HALF * (quad >> 1)));
                        IntVector quads = ChunkTranspose.QUADS.lanewise(VectorOperators.ADD,
                                        IntVector.broadcast(I, ChunkTranspose.HALF * (quad & 1)))
                                .selectFrom(pairs.selectFrom(c0, c1), pairs.selectFrom(c2, c3));
                        for (int part = 0; part < ChunkTranspose.QUAD_ROWS; part++) {
                            int r = ChunkTranspose.QUAD_ROWS * quad + part;
                            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, wb + 2L * r)));
                            for (int span = 0; span < ChunkTranspose.SPANS; span++) {
                                ((FloatVector) ChunkTranspose.SPREAD.lanewise(VectorOperators.ADD,
                                                IntVector.broadcast(I, 4 * part + ChunkTranspose.QUAD_ROWS * span))
                                        .selectFrom(quads)
                                        .lanewise(VectorOperators.LSHL, BYTE_TO_TOP)
                                        .lanewise(VectorOperators.ASHR, TWENTY_FOUR)
                                        .convert(VectorOperators.I2F, 0))
                                        .lanewise(VectorOperators.MUL, d)
                                        .intoMemorySegment(dst, db + r * rowFloats
                                                + (long) span * F.length() * Float.BYTES, LE);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Groups {@code [groupFrom, groupTo)} into columns: a chunk holds 4 bytes of every row, one int lane a row, so each
     * of its 4 columns is one shift to the top, one arithmetic shift down and a conversion of the chunk, times the
     * rows' scales; nothing is transposed.
     */
    @Override
    public void decodeColumns(MemorySegment w, long wOffset, int k, int groupFrom, int groupTo, MemorySegment dst,
                              long dstOffset) {
        int nb = k / QK;
        long groupBytes = (long) nb * GROUP_BLOCK_BYTES;
        long column = (long) GROUP * Float.BYTES;
        for (int g = groupFrom; g < groupTo; g++) {
            long wb = wOffset + g * groupBytes;
            long out = dstOffset + (g - groupFrom) * column * k;
            for (int b = 0; b < nb; b++) {
                IntVector h = (IntVector) ShortVector.fromMemorySegment(SCALES, w, wb, LE)
                        .convertShape(VectorOperators.S2I, I, 0);
                FloatVector d = ((FloatVector) h.lanewise(VectorOperators.AND, HALF_MAGNITUDE)
                        .lanewise(VectorOperators.LSHL, THIRTEEN)
                        .lanewise(VectorOperators.OR, h.lanewise(VectorOperators.AND, HALF_SIGN)
                                .lanewise(VectorOperators.LSHL, SIXTEEN))
                        .reinterpretShape(F, 0))
                        .lanewise(VectorOperators.MUL, FloatVector.broadcast(F, HALF_TO_FLOAT));
                for (int c = 0; c < QK / 4; c++) {
                    IntVector v = IntVector.fromMemorySegment(I, w, wb + SCALE_BYTES + (long) c * CHUNK_BYTES, LE);
                    for (int j = 0; j < 4; j++) {
                        long at = out + (4L * c + j) * column;
                        ((FloatVector) v.lanewise(VectorOperators.LSHL, 24 - 8 * GroupPacking.bytePosition(j))
                                .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0))
                                .lanewise(VectorOperators.MUL, d).intoMemorySegment(dst, at, LE);
                    }
                }
                wb += GROUP_BLOCK_BYTES;
                out += QK * column;
            }
        }
    }

    @Override
    void dotRows(MemorySegment w, long wq, long scales, int nb, MemorySegment act, long ar, int k, MemorySegment y,
                 long yo) {
        // A group is one vector of rows here (ROWS == GROUP), so its quants and scales start together.
        dot(w, wq, 1, nb, act, ar, k, y, yo);
    }

    /** Every block of every group in one loop ({@link #dot}). */
    @Override
    void dotGroups(MemorySegment w, long first, int groups, int nb, MemorySegment act, long ar, int k,
                   MemorySegment y, long yo) {
        dot(w, first, groups, nb, act, ar, k, y, yo);
    }

    /**
     * {@code groups} consecutive groups (each {@link #ROWS} rows, {@link #GROUP} being {@code ROWS} wherever the
     * kernel runs) times one activation row, every block of every group in one loop. One loop per group ran the
     * loop's start (C2's peeled and pre-loop iterations, with every bounds check) for each 18 blocks of a 576-wide
     * group: 31% of the kernel's samples (perf, Zen 5), against which the group's end here is one predictable branch.
     *
     * <p>One stream, and no vector lives across a loop's head. Session 30's two streams in one loop (block {@code i}
     * of the first half of the groups beside block {@code i} of the second, the chunks a loop carrying both streams'
     * sums) read 28.0-30.9 against 21.3-22.7 GB/s from DRAM on one Zen 5 thread, but C2 parses a loop's head before
     * its body and typed the carried sums by their declared class; it resolved their operations later or by profile,
     * and in about one JVM in three some stayed unresolved and boxed every product: the large Q8_0 model then decoded
     * at 5 instead of 35 tok/s and allocated 2.9 GB per token (docs/performance.md, "Session 35"). The two streams
     * written out (3577 bytecodes) kept a C2 compiler thread busy for minutes, and a loop over the two streams around
     * the written-out block ran medium Q8_0 decode at 40% of this speed.
     *
     * @param first byte offset of the first group
     */
    private static void dot(MemorySegment w, long first, int groups, int nb, MemorySegment act, long ar, int k,
                            MemorySegment y, long yo) {
        long ad = ar + Q8_0PairActivations.scalesOffset(k);
        // The rows' sums accumulate in the output, not in a vector carried round the block loop, for the reason
        // given in Q4_0InterleavedMatmul.dot.
        for (int g = 0; g < groups; g++) {
            FloatVector.zero(F).intoMemorySegment(y, yo + (long) g * ROWS * Float.BYTES, LE);
        }
        int blocks = groups * nb;
        int b = 0;
        long yg = yo;
        for (int i = 0; i < blocks; i++) {
            long scales = first + (long) i * GROUP_BLOCK_BYTES;
            long wb = scales + SCALE_BYTES;
            long ab = ar + (long) b * QK * 2;
            // The eight chunks written out (as a loop, in the Q4_0 kernel, C2 split them into pre-, main and
            // post-loops whose limit arithmetic cost more than the products). Per chunk: the low bytes (shifted up
            // and back, sign-extended) and the high bytes each times a broadcast activation pair, added in int16,
            // then each int32 lane's two halves widened and added to the rows' block sums.
            ShortVector v = ShortVector.fromMemorySegment(S, w, wb, LE);
            IntVector p = (IntVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8)
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab)).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.ADD, v.lanewise(VectorOperators.ASHR, 8)
                            .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 4)).reinterpretShape(S, 0)))
                    .reinterpretShape(I, 0);
            IntVector sum = p.lanewise(VectorOperators.LSHL, SIXTEEN).lanewise(VectorOperators.ASHR, SIXTEEN)
                    .lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.ASHR, SIXTEEN));
            v = ShortVector.fromMemorySegment(S, w, wb + CHUNK_BYTES, LE);
            p = (IntVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8)
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 8)).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.ADD, v.lanewise(VectorOperators.ASHR, 8)
                            .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 12)).reinterpretShape(S, 0)))
                    .reinterpretShape(I, 0);
            sum = sum.lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.LSHL, SIXTEEN).lanewise(VectorOperators.ASHR, SIXTEEN))
                    .lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.ASHR, SIXTEEN));
            v = ShortVector.fromMemorySegment(S, w, wb + 2 * CHUNK_BYTES, LE);
            p = (IntVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8)
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 16)).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.ADD, v.lanewise(VectorOperators.ASHR, 8)
                            .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 20)).reinterpretShape(S, 0)))
                    .reinterpretShape(I, 0);
            sum = sum.lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.LSHL, SIXTEEN).lanewise(VectorOperators.ASHR, SIXTEEN))
                    .lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.ASHR, SIXTEEN));
            v = ShortVector.fromMemorySegment(S, w, wb + 3 * CHUNK_BYTES, LE);
            p = (IntVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8)
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 24)).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.ADD, v.lanewise(VectorOperators.ASHR, 8)
                            .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 28)).reinterpretShape(S, 0)))
                    .reinterpretShape(I, 0);
            sum = sum.lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.LSHL, SIXTEEN).lanewise(VectorOperators.ASHR, SIXTEEN))
                    .lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.ASHR, SIXTEEN));
            v = ShortVector.fromMemorySegment(S, w, wb + 4 * CHUNK_BYTES, LE);
            p = (IntVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8)
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 32)).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.ADD, v.lanewise(VectorOperators.ASHR, 8)
                            .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 36)).reinterpretShape(S, 0)))
                    .reinterpretShape(I, 0);
            sum = sum.lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.LSHL, SIXTEEN).lanewise(VectorOperators.ASHR, SIXTEEN))
                    .lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.ASHR, SIXTEEN));
            v = ShortVector.fromMemorySegment(S, w, wb + 5 * CHUNK_BYTES, LE);
            p = (IntVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8)
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 40)).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.ADD, v.lanewise(VectorOperators.ASHR, 8)
                            .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 44)).reinterpretShape(S, 0)))
                    .reinterpretShape(I, 0);
            sum = sum.lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.LSHL, SIXTEEN).lanewise(VectorOperators.ASHR, SIXTEEN))
                    .lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.ASHR, SIXTEEN));
            v = ShortVector.fromMemorySegment(S, w, wb + 6 * CHUNK_BYTES, LE);
            p = (IntVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8)
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 48)).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.ADD, v.lanewise(VectorOperators.ASHR, 8)
                            .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 52)).reinterpretShape(S, 0)))
                    .reinterpretShape(I, 0);
            sum = sum.lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.LSHL, SIXTEEN).lanewise(VectorOperators.ASHR, SIXTEEN))
                    .lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.ASHR, SIXTEEN));
            v = ShortVector.fromMemorySegment(S, w, wb + 7 * CHUNK_BYTES, LE);
            p = (IntVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8)
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 56)).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.ADD, v.lanewise(VectorOperators.ASHR, 8)
                            .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 60)).reinterpretShape(S, 0)))
                    .reinterpretShape(I, 0);
            sum = sum.lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.LSHL, SIXTEEN).lanewise(VectorOperators.ASHR, SIXTEEN))
                    .lanewise(VectorOperators.ADD, p.lanewise(VectorOperators.ASHR, SIXTEEN));
            IntVector h = (IntVector) ShortVector.fromMemorySegment(SCALES, w, scales, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            FloatVector d = ((FloatVector) h.lanewise(VectorOperators.AND, HALF_MAGNITUDE)
                    .lanewise(VectorOperators.LSHL, THIRTEEN)
                    .lanewise(VectorOperators.OR, h.lanewise(VectorOperators.AND, HALF_SIGN)
                            .lanewise(VectorOperators.LSHL, SIXTEEN))
                    .reinterpretShape(F, 0))
                    .lanewise(VectorOperators.MUL, FloatVector.broadcast(F, HALF_TO_FLOAT * act.get(FLOAT, ad + 4L * b)));
            ((FloatVector) sum.convertShape(VectorOperators.I2F, F, 0))
                    .lanewise(VectorOperators.FMA, d, FloatVector.fromMemorySegment(F, y, yg, LE))
                    .intoMemorySegment(y, yg, LE);
            if (++b == nb) {
                b = 0;
                yg += (long) ROWS * Float.BYTES;
            }
        }
    }
}
