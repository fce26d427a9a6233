package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.ColumnDecoding;
import dev.smallmind.kernels.TokenRunProduct;
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
 * Q4_0 weights interleaved at load in groups of {@link #GROUP} rows, times activations rounded through Q8_0
 * blocks and kept as int16 ({@link Q8_0PairActivations}): the products are formed and summed in int16 lanes, like
 * llama.cpp's repacked Q4_0 kernels, instead of widening every nibble to a float ({@link Q4_0Matmul}).
 *
 * <p>Layout of a group, per block {@code b} (32 columns), the bytes its GGUF blocks take (288 for 16 rows): the rows'
 * fp16 scales, then 4 chunks of {@code 4 * GROUP} bytes; chunk {@code c} holds, for row {@code r} at byte {@code 4r},
 * the row's quant bytes {@code q[4c], q[4c+2], q[4c+1], q[4c+3]}. Read as int16 lanes, lane {@code 2r + e} then carries
 * four nibbles: columns {@code 4c+e}, {@code 4c+e+16}, {@code 4c+e+2} and {@code 4c+e+18} of row {@code r}, and each
 * nibble taken out of the whole vector pairs with one activation pair {@code (a[i], a[i+1])} broadcast to every row. So
 * a vector of 2 x (lanes / 2) products belongs to lanes / 2 rows, 16 such products per lane sum in int16 (at most 16 x
 * 15 x 127 = 30480), the two halves of each int32 lane give a row's block sum, and a group's results come out as one
 * float vector per lanes / 2 rows, no reduction across lanes. The group is one sequential stream of memory.
 *
 * <p>The nibbles stay unsigned (0..15): {@code sum (q - 8) a = sum q a - 8 sum a}, the second term prepared once per
 * activation block. The block sums are exact integers, so a row's result is {@code sum_b d_b * da_b * s_b} as in
 * ggml's {@code vec_dot_q4_0_q8_0}, accumulated with FMAs. Many tokens at 512 bits go the same way in runs
 * ({@link TokenRunProduct}): a block's 16 nibble vectors are taken out once and multiplied by every token of a run.
 * Scalar twin, over the GGUF rows these are packed from: {@link Q4_0MatmulReference}.
 */
public final class Q4_0InterleavedMatmul extends Int16GroupMatmul implements ColumnDecoding, TokenRunProduct {
    /** Rows interleaved in one group: 16 at 512 bits, 8 at 256 ({@link GroupPacking#GROUP}). */
    public static final int GROUP = GroupPacking.GROUP;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** The fp16 scales of {@link #ROWS} rows. */
    private static final VectorSpecies<Short> SCALES = VectorSpecies.of(short.class, VectorShape.forBitSize(ROWS * 16));
    /** A block half of one row (16 quant bytes) at the width of {@link Q4_0Matmul}'s decoding. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * 8));
    /** {@link #B} as ints, to assemble a row's bytes from its chunks (a 1-lane long vector, at 256 bits, is not
     *  intrinsified and allocated on every call). */
    private static final VectorSpecies<Integer> BI = VectorSpecies.of(int.class, B.vectorShape());
    /** Within every 4 bytes, {@code q[0], q[2], q[1], q[3]} back to {@code q[0..3]} (its own inverse). */
    private static final VectorShuffle<Byte> UNSWAP = VectorShuffle.fromOp(B, i -> (i & ~3) | ((i & 1) << 1) | ((i >> 1) & 1));
    // Masks as vectors rather than scalar operands: with scalar operands C2 left some of dot's operations as calls
    // into the Vector API's Java fallback (with -Xbatch on every run), boxing vectors on every block.
    private static final ShortVector NIBBLE = ShortVector.broadcast(S, (short) 0xF);
    private static final IntVector HALF_MAGNITUDE = IntVector.broadcast(I, 0x7FFF);
    private static final IntVector HALF_SIGN = IntVector.broadcast(I, 0x8000);
    private static final IntVector THIRTEEN = IntVector.broadcast(I, 13);
    private static final IntVector SIXTEEN = IntVector.broadcast(I, 16);
    /** Shift counts and the mask of the low nibble of both int16 halves, for nibbles taken out of int lanes. */
    private static final IntVector FOUR = IntVector.broadcast(I, 4);
    private static final IntVector EIGHT = IntVector.broadcast(I, 8);
    private static final IntVector TWELVE = IntVector.broadcast(I, 12);
    private static final IntVector NIBBLES = IntVector.broadcast(I, 0x000F000F);
    /** Q4_0 stores {@code x / d + 8}; the kernel multiplies the unsigned nibbles and takes 8 times the sum off. */
    private static final int NIBBLE_OFFSET = 8;
    private static final IntVector NIBBLE_INT = IntVector.broadcast(I, 0xF);
    private static final IntVector OFFSET_INT = IntVector.broadcast(I, NIBBLE_OFFSET);
    /**
     * A block's sum of activation quants times this is the nibbles' offset term in the upper int16 half of an int:
     * {@link #dot} and {@link #runBlock} add it as the halves of each int32 lane are added, with no scalar arithmetic
     * per block.
     */
    private static final int OFFSET_TERM = -NIBBLE_OFFSET << 16;
    private static final int HALF = QK / 2;
    private static final int BLOCK_BYTES = 18;
    private static final int GROUP_BLOCK_BYTES = GROUP * BLOCK_BYTES;
    private static final int SCALE_BYTES = GROUP * 2;
    private static final int CHUNK_BYTES = GROUP * 4;
    /** {@code 2^112}: an fp16 value's exponent and mantissa moved into a float's fields, times this, is its value. */
    private static final float HALF_TO_FLOAT = 0x1p112f;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * @return whether this JVM's vectors suit the kernel: int16 lanes for two or more rows and a 64-bit or wider
     *         block half (256-bit vectors and up), else models run {@link Q4_0Matmul}
     */
    public static boolean supported() {
        return S.length() >= 16 && GROUP % ROWS == 0;
    }

    @Override
    public DType weightType() {
        return DType.Q4_0;
    }

    /**
     * Rearranges whole groups of GGUF rows into the interleaved layout.
     *
     * @throws IllegalArgumentException when {@code rows} is not a multiple of {@link #GROUP} or a block scale is
     *                                  not finite (its byte offset in {@code src} named)
     */
    @Override
    public void pack(MemorySegment src, long srcOffset, int k, int rows, MemorySegment dst, long dstOffset) {
        GroupPacking.pack(DType.Q4_0, src, srcOffset, k, rows, dst, dstOffset);
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
            for (int h = 0; h < HALF; h += B.length()) {
                IntVector bytes = IntVector.zero(BI);
                for (int l = 0; l < BI.length(); l++) {
                    bytes = bytes.withLane(l, w.get(INT, qb + ((h >> 2) + l) * (long) CHUNK_BYTES));
                }
                ByteVector q = bytes.reinterpretAsBytes().rearrange(UNSWAP);
                ByteVector up = ((ShortVector) q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4))
                        .reinterpretAsBytes();
                FloatVector lo = (FloatVector) q.and((byte) 0xF).sub((byte) 8)
                        .convertShape(VectorOperators.B2F, F, 0);
                FloatVector hi = (FloatVector) up.and((byte) 0xF).sub((byte) 8)
                        .convertShape(VectorOperators.B2F, F, 0);
                lo.mul(d).intoMemorySegment(dst, db + h * 4L, LE);
                hi.mul(d).intoMemorySegment(dst, db + (HALF + h) * 4L, LE);
            }
        }
    }

    /**
     * Groups {@code [groupFrom, groupTo)}: a block's four chunks are transposed back into rows by two-vector
     * permutes ({@link ChunkTranspose}), and each row's 16 bytes, spread over the lanes (in two spans at 256 bits),
     * give its low and its high nibbles by per-lane shifts. Loops rather than written out, as in
     * {@code Q8_0InterleavedMatmul}.
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
                long qc = wb + SCALE_BYTES;
                IntVector c0 = IntVector.fromMemorySegment(I, w, qc, LE);
                IntVector c1 = IntVector.fromMemorySegment(I, w, qc + CHUNK_BYTES, LE);
                IntVector c2 = IntVector.fromMemorySegment(I, w, qc + 2 * CHUNK_BYTES, LE);
                IntVector c3 = IntVector.fromMemorySegment(I, w, qc + 3 * CHUNK_BYTES, LE);
                long db = out + (long) b * QK * Float.BYTES;
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
                            IntVector row = ChunkTranspose.SPREAD.lanewise(VectorOperators.ADD,
                                    IntVector.broadcast(I, 4 * part + ChunkTranspose.QUAD_ROWS * span)).selectFrom(quads);
                            long dr = db + r * rowFloats + (long) span * F.length() * Float.BYTES;
                            ((FloatVector) row.lanewise(VectorOperators.LSHR, ChunkTranspose.LOW_NIBBLE_SHIFT)
                                    .lanewise(VectorOperators.AND, NIBBLE_INT).lanewise(VectorOperators.SUB, OFFSET_INT)
                                    .convert(VectorOperators.I2F, 0))
                                    .lanewise(VectorOperators.MUL, d).intoMemorySegment(dst, dr, LE);
                            ((FloatVector) row.lanewise(VectorOperators.LSHR, ChunkTranspose.HIGH_NIBBLE_SHIFT)
                                    .lanewise(VectorOperators.AND, NIBBLE_INT).lanewise(VectorOperators.SUB, OFFSET_INT)
                                    .convert(VectorOperators.I2F, 0))
                                    .lanewise(VectorOperators.MUL, d)
                                    .intoMemorySegment(dst, dr + HALF * Float.BYTES, LE);
                        }
                    }
                }
            }
        }
    }

    /**
     * Groups {@code [groupFrom, groupTo)} into columns: a chunk holds 4 bytes of every row, one int lane a row, so each
     * of its 8 columns (the low and the high nibble of 4 bytes) is one shift, mask and conversion of the chunk, times
     * the rows' scales; nothing is transposed.
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
                for (int c = 0; c < 4; c++) {
                    IntVector v = IntVector.fromMemorySegment(I, w, wb + SCALE_BYTES + (long) c * CHUNK_BYTES, LE);
                    for (int j = 0; j < 4; j++) {
                        int shift = 8 * GroupPacking.bytePosition(j);
                        long at = out + (4L * c + j) * column;
                        ((FloatVector) v.lanewise(VectorOperators.LSHR, shift)
                                .lanewise(VectorOperators.AND, NIBBLE_INT).lanewise(VectorOperators.SUB, OFFSET_INT)
                                .convert(VectorOperators.I2F, 0))
                                .lanewise(VectorOperators.MUL, d).intoMemorySegment(dst, at, LE);
                        ((FloatVector) v.lanewise(VectorOperators.LSHR, shift + 4)
                                .lanewise(VectorOperators.AND, NIBBLE_INT).lanewise(VectorOperators.SUB, OFFSET_INT)
                                .convert(VectorOperators.I2F, 0))
                                .lanewise(VectorOperators.MUL, d).intoMemorySegment(dst, at + HALF * column, LE);
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
        dot(w, wq, scales, nb, act, ar, k, y, yo);
    }

    /**
     * {@link #ROWS} rows of one group times one activation row.
     *
     * @param wq     byte offset of the rows' first quant vector in chunk 0 of block 0, less the scales
     * @param scales byte offset of the rows' first scale in block 0
     */
    private static void dot(MemorySegment w, long wq, long scales, int nb, MemorySegment act, long ar, int k,
                            MemorySegment y, long yo) {
        long ad = ar + Q8_0PairActivations.scalesOffset(k);
        long as = ar + Q8_0PairActivations.sumsOffset(k);
        // The rows' sums accumulate in the output, not in a vector carried round the block loop: with such a loop
        // variable C2 compiled the FMA as a boxing call in one JVM in three to one in eight (a standalone probe
        // and 2-thread decode, whatever the variable's first value), and with none it did not in 20 runs. That
        // costs speed where the register version compiled well: 11-15 against 21-31 G weights/s in a 30-matrix
        // probe, medium Q4_0 decode 107-121 against 148-178 tok/s on one thread (docs/performance.md, session 8).
        FloatVector.zero(F).intoMemorySegment(y, yo, LE);
        // The offsets step to an end tested with !=, which C2 does not take for a counted loop. A counted loop
        // (b < nb) with the segments' long bounds checks becomes in JDK 25 a loop nest with one iteration peeled
        // and a pre-loop iteration, both with every check, ahead of the unchecked main loop: at the 18 blocks of a
        // 576-wide row that took a third of the samples (perf). Here each block keeps its checks (195 rather than
        // 146 instructions) and none runs twice over: 576-wide rows 7.5-10 against 6.6-7.4 GB/s, 4096-wide on a par
        // (docs/performance.md, session 22). JDK-8342692 makes C2 itself skip the nest for short loops, after 25.
        long wb = wq + SCALE_BYTES;
        long end = wb + (long) nb * GROUP_BLOCK_BYTES;
        long ab = ar;
        long sb = scales;
        long asb = as;
        long adb = ad;
        while (wb != end) {
            // The four chunks written out: as a loop of 4, C2 split it into pre-, main and post-loops whose limit
            // arithmetic cost more than the products. The upper nibbles are shifted down in int lanes by a count
            // vector (vpsrlvd) and masked in both halves: an int16 shift by a scalar count, which AVX2 only has
            // with the count in a register, got its count rematerialized (mov, vmovd) before every vpsrlw, 160
            // instructions per block against 146 this way.
            ShortVector v = ShortVector.fromMemorySegment(S, w, wb, LE);
            IntVector u = (IntVector) v.reinterpretShape(I, 0);
            ShortVector sum = v.and(NIBBLE).mul((ShortVector) IntVector.broadcast(I, act.get(INT, ab)).reinterpretShape(S, 0))
                    .add(((ShortVector) u.lanewise(VectorOperators.LSHR, FOUR).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                            .mul((ShortVector) IntVector.broadcast(I, act.get(INT, ab + 32)).reinterpretShape(S, 0)))
                    .add(((ShortVector) u.lanewise(VectorOperators.LSHR, EIGHT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                            .mul((ShortVector) IntVector.broadcast(I, act.get(INT, ab + 4)).reinterpretShape(S, 0))
                    .add(((ShortVector) u.lanewise(VectorOperators.LSHR, TWELVE).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                            .mul((ShortVector) IntVector.broadcast(I, act.get(INT, ab + 36)).reinterpretShape(S, 0))));
            v = ShortVector.fromMemorySegment(S, w, wb + CHUNK_BYTES, LE);
            u = (IntVector) v.reinterpretShape(I, 0);
            sum = sum.add(v.and(NIBBLE).mul((ShortVector) IntVector.broadcast(I, act.get(INT, ab + 8)).reinterpretShape(S, 0))
                    .add(((ShortVector) u.lanewise(VectorOperators.LSHR, FOUR).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                            .mul((ShortVector) IntVector.broadcast(I, act.get(INT, ab + 40)).reinterpretShape(S, 0))))
                    .add(((ShortVector) u.lanewise(VectorOperators.LSHR, EIGHT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                            .mul((ShortVector) IntVector.broadcast(I, act.get(INT, ab + 12)).reinterpretShape(S, 0))
                    .add(((ShortVector) u.lanewise(VectorOperators.LSHR, TWELVE).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                            .mul((ShortVector) IntVector.broadcast(I, act.get(INT, ab + 44)).reinterpretShape(S, 0))));
            v = ShortVector.fromMemorySegment(S, w, wb + 2 * CHUNK_BYTES, LE);
            u = (IntVector) v.reinterpretShape(I, 0);
            sum = sum.add(v.and(NIBBLE).mul((ShortVector) IntVector.broadcast(I, act.get(INT, ab + 16)).reinterpretShape(S, 0))
                    .add(((ShortVector) u.lanewise(VectorOperators.LSHR, FOUR).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                            .mul((ShortVector) IntVector.broadcast(I, act.get(INT, ab + 48)).reinterpretShape(S, 0))))
                    .add(((ShortVector) u.lanewise(VectorOperators.LSHR, EIGHT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                            .mul((ShortVector) IntVector.broadcast(I, act.get(INT, ab + 20)).reinterpretShape(S, 0))
                    .add(((ShortVector) u.lanewise(VectorOperators.LSHR, TWELVE).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                            .mul((ShortVector) IntVector.broadcast(I, act.get(INT, ab + 52)).reinterpretShape(S, 0))));
            v = ShortVector.fromMemorySegment(S, w, wb + 3 * CHUNK_BYTES, LE);
            u = (IntVector) v.reinterpretShape(I, 0);
            sum = sum.add(v.and(NIBBLE).mul((ShortVector) IntVector.broadcast(I, act.get(INT, ab + 24)).reinterpretShape(S, 0))
                    .add(((ShortVector) u.lanewise(VectorOperators.LSHR, FOUR).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                            .mul((ShortVector) IntVector.broadcast(I, act.get(INT, ab + 56)).reinterpretShape(S, 0))))
                    .add(((ShortVector) u.lanewise(VectorOperators.LSHR, EIGHT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                            .mul((ShortVector) IntVector.broadcast(I, act.get(INT, ab + 28)).reinterpretShape(S, 0))
                    .add(((ShortVector) u.lanewise(VectorOperators.LSHR, TWELVE).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                            .mul((ShortVector) IntVector.broadcast(I, act.get(INT, ab + 60)).reinterpretShape(S, 0))));
            // From here on the operations are the abstract lanewise methods called right here, not the final
            // conveniences (add, fma, shifts by a scalar) that call them: a reinterpreted or converted vector's
            // class is not known when C2 parses this method, and the conveniences' own type profiles are shared
            // with every kernel in the JVM (256-bit shorts and floats among them), so C2 at times compiled the
            // FMA below as a boxing call. Here the profile is this method's own.
            // The halves of each int lane and the offset term joined in the upper half, as in runBlock.
            IntVector pairs = (IntVector) sum.reinterpretShape(I, 0);
            IntVector s = pairs.lanewise(VectorOperators.LSHL, SIXTEEN)
                    .lanewise(VectorOperators.ADD, IntVector.broadcast(I, act.get(INT, asb)))
                    .lanewise(VectorOperators.ADD, pairs).lanewise(VectorOperators.ASHR, SIXTEEN);
            IntVector h = (IntVector) ShortVector.fromMemorySegment(SCALES, w, sb, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            FloatVector d = ((FloatVector) h.lanewise(VectorOperators.AND, HALF_MAGNITUDE)
                    .lanewise(VectorOperators.LSHL, THIRTEEN)
                    .lanewise(VectorOperators.OR, h.lanewise(VectorOperators.AND, HALF_SIGN)
                            .lanewise(VectorOperators.LSHL, SIXTEEN))
                    .reinterpretShape(F, 0))
                    .lanewise(VectorOperators.MUL, FloatVector.broadcast(F, HALF_TO_FLOAT * act.get(FLOAT, adb)));
            ((FloatVector) s.convertShape(VectorOperators.I2F, F, 0))
                    .lanewise(VectorOperators.FMA, d, FloatVector.fromMemorySegment(F, y, yo, LE))
                    .intoMemorySegment(y, yo, LE);
            wb += GROUP_BLOCK_BYTES;
            ab += QK * 2;
            sb += GROUP_BLOCK_BYTES;
            asb += Integer.BYTES;
            adb += Float.BYTES;
        }
    }

    /** Groups of 16 rows (512-bit vectors): the run product keeps a block's 16 nibble vectors in registers. */
    @Override
    public boolean runsSupported() {
        return GROUP == 16 && S.length() == 2 * GROUP;
    }

    @Override
    public long runPreparedBytes(int t, int k) {
        return Q8_0PairActivations.runsBytes(t, k);
    }

    /** One float vector of 16 row sums per token of a run. */
    @Override
    public long runAccumulatorBytes() {
        return (long) RUN * F.vectorByteSize();
    }

    @Override
    int blockSumScale() {
        return OFFSET_TERM;
    }

    @Override
    public void prepareRuns(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep,
                            long prepOffset) {
        Q8_0PairActivations.quantizeRuns(x, xOffset, k, from, to, prep, prepOffset, OFFSET_TERM);
    }

    /**
     * Run by run, group by group: the run's 16-row sums accumulate in this worker's accumulators block by block
     * ({@link #runBlock}), then go to the outputs. Zen 5, one thread, 128 tokens at 576 x 1536, JVMs alternating
     * with the decoded-column path ({@link #decodeColumns} and the F32 interleaved tiles): 191-197 against 168-185
     * GFLOPS; medium Q4_0 pp128 805-820 against 731-766 tok/s, large 102-106 against 85-87 (docs/performance.md,
     * "Session 28").
     */
    @Override
    public void multiplyRuns(MemorySegment w, long wOffset, int k, MemorySegment arena, long prepOffset, int t,
                             long yOffset, int yStride, int rowFrom, int rowTo, long accOffset) {
        int nb = k / QK;
        long groupBytes = (long) nb * GROUP_BLOCK_BYTES;
        long runBytes = Q8_0PairActivations.runBytes(k);
        long blockBytes = Q8_0PairActivations.runBlockBytes();
        long scales = Q8_0PairActivations.runScalesOffset();
        long sums = Q8_0PairActivations.runSumsOffset();
        long yRowBytes = (long) yStride * Float.BYTES;
        for (int j0 = 0; j0 < t; j0 += RUN) {
            int n = Math.min(RUN, t - j0);
            long run = prepOffset + (long) (j0 / RUN) * runBytes;
            long y = yOffset + j0 * yRowBytes;
            for (int g = rowFrom / GROUP; g < rowTo / GROUP; g++) {
                long wg = wOffset + g * groupBytes;
                clearAccumulators(arena, accOffset, n);
                for (int b = 0; b < nb; b++) {
                    long ab = run + b * blockBytes;
                    runBlock(w, wg + (long) b * GROUP_BLOCK_BYTES, arena, ab, ab + scales, ab + sums, n, accOffset);
                }
                copyAccumulators(arena, accOffset, n, y + (long) g * GROUP * Float.BYTES, yRowBytes);
            }
        }
    }

    /**
     * Zeroes the accumulators of {@code n} tokens, a long at a time: with vectors, here or in {@link #runBlock}, the
     * clearing and copying loops boxed them in some JVMs (3 of 8 allocated about 4 GB in a 5-second probe).
     */
    private static void clearAccumulators(MemorySegment a, long acc, int n) {
        for (int i = 0; i < 8 * n; i++) {
            a.set(LONG, acc + 8L * i, 0L);
        }
    }

    /** Copies the accumulators of {@code n} tokens to their outputs, {@code outStride} bytes apart, a long at a time. */
    private static void copyAccumulators(MemorySegment a, long acc, int n, long out, long outStride) {
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < 8; i++) {
                a.set(LONG, out + j * outStride + 8L * i, a.get(LONG, acc + 64L * j + 8L * i));
            }
        }
    }

    /**
     * One block of a group times the {@code n} tokens of a run, into their accumulators: the block's four chunks
     * give 16 vectors of nibbles and its scales a float vector, once; per token 16 broadcast activation pairs,
     * multiplies and adds in int16, the halves of each int32 lane and the nibbles' prepared offset term added in
     * three operations ({@link #OFFSET_TERM}), and one FMA of the block sums by the two scales. Its own method, so
     * that the loop over tokens is a plain counted loop whose bounds checks C2 hoists (the token slots are 64 bytes
     * apart); the call per block costs little beside {@code n} tokens. Nothing else is in it: with the clearing of
     * the accumulators and their copy to the outputs in here (behind a branch on the first and the last block), one
     * C2 compile in three failed its first try ("retry without subsuming loads", a {@code jdk.CompilationFailure}
     * event) and the retry moved every load of the token loop through a general register instead of folding it into
     * its broadcast: a third slower (docs/performance.md, "Session 32"). Written out as {@link #dot} is.
     *
     * @param wb     byte offset of the group's block
     * @param quants byte offset of the run block's quants
     * @param scales byte offset of the run block's scales
     * @param sums   byte offset of the run block's sums
     * @param acc    byte offset of the accumulators, 64 bytes a token
     */
    private static void runBlock(MemorySegment w, long wb, MemorySegment a, long quants, long scales, long sums,
                                 int n, long acc) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(SCALES, w, wb, LE)
                .convertShape(VectorOperators.S2I, I, 0);
        FloatVector d = ((FloatVector) h.lanewise(VectorOperators.AND, HALF_MAGNITUDE)
                .lanewise(VectorOperators.LSHL, THIRTEEN)
                .lanewise(VectorOperators.OR, h.lanewise(VectorOperators.AND, HALF_SIGN)
                        .lanewise(VectorOperators.LSHL, SIXTEEN))
                .reinterpretShape(F, 0))
                .lanewise(VectorOperators.MUL, FloatVector.broadcast(F, HALF_TO_FLOAT));
        long q = wb + SCALE_BYTES;
        ShortVector v0 = ShortVector.fromMemorySegment(S, w, q, LE);
        IntVector u0 = (IntVector) v0.reinterpretShape(I, 0);
        ShortVector v1 = ShortVector.fromMemorySegment(S, w, q + CHUNK_BYTES, LE);
        IntVector u1 = (IntVector) v1.reinterpretShape(I, 0);
        ShortVector v2 = ShortVector.fromMemorySegment(S, w, q + 2 * CHUNK_BYTES, LE);
        IntVector u2 = (IntVector) v2.reinterpretShape(I, 0);
        ShortVector v3 = ShortVector.fromMemorySegment(S, w, q + 3 * CHUNK_BYTES, LE);
        IntVector u3 = (IntVector) v3.reinterpretShape(I, 0);
        ShortVector n00 = v0.and(NIBBLE);
        ShortVector n01 = (ShortVector) u0.lanewise(VectorOperators.LSHR, FOUR).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0);
        ShortVector n02 = (ShortVector) u0.lanewise(VectorOperators.LSHR, EIGHT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0);
        ShortVector n03 = (ShortVector) u0.lanewise(VectorOperators.LSHR, TWELVE).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0);
        ShortVector n10 = v1.and(NIBBLE);
        ShortVector n11 = (ShortVector) u1.lanewise(VectorOperators.LSHR, FOUR).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0);
        ShortVector n12 = (ShortVector) u1.lanewise(VectorOperators.LSHR, EIGHT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0);
        ShortVector n13 = (ShortVector) u1.lanewise(VectorOperators.LSHR, TWELVE).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0);
        ShortVector n20 = v2.and(NIBBLE);
        ShortVector n21 = (ShortVector) u2.lanewise(VectorOperators.LSHR, FOUR).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0);
        ShortVector n22 = (ShortVector) u2.lanewise(VectorOperators.LSHR, EIGHT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0);
        ShortVector n23 = (ShortVector) u2.lanewise(VectorOperators.LSHR, TWELVE).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0);
        ShortVector n30 = v3.and(NIBBLE);
        ShortVector n31 = (ShortVector) u3.lanewise(VectorOperators.LSHR, FOUR).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0);
        ShortVector n32 = (ShortVector) u3.lanewise(VectorOperators.LSHR, EIGHT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0);
        ShortVector n33 = (ShortVector) u3.lanewise(VectorOperators.LSHR, TWELVE).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0);
        for (int j = 0; j < n; j++) {
            long p = quants + 64L * j;
            // Chunk c's nibbles pair with activation pairs 8c, 32 + 8c, 8c + 4 and 36 + 8c bytes into the block, as in dot.
            ShortVector s0 = n00.mul((ShortVector) IntVector.broadcast(I, a.get(INT, p)).reinterpretShape(S, 0))
                    .add(n01.mul((ShortVector) IntVector.broadcast(I, a.get(INT, p + 32)).reinterpretShape(S, 0)))
                    .add(n02.mul((ShortVector) IntVector.broadcast(I, a.get(INT, p + 4)).reinterpretShape(S, 0))
                            .add(n03.mul((ShortVector) IntVector.broadcast(I, a.get(INT, p + 36)).reinterpretShape(S, 0))));
            ShortVector s1 = n10.mul((ShortVector) IntVector.broadcast(I, a.get(INT, p + 8)).reinterpretShape(S, 0))
                    .add(n11.mul((ShortVector) IntVector.broadcast(I, a.get(INT, p + 40)).reinterpretShape(S, 0)))
                    .add(n12.mul((ShortVector) IntVector.broadcast(I, a.get(INT, p + 12)).reinterpretShape(S, 0))
                            .add(n13.mul((ShortVector) IntVector.broadcast(I, a.get(INT, p + 44)).reinterpretShape(S, 0))));
            ShortVector s2 = n20.mul((ShortVector) IntVector.broadcast(I, a.get(INT, p + 16)).reinterpretShape(S, 0))
                    .add(n21.mul((ShortVector) IntVector.broadcast(I, a.get(INT, p + 48)).reinterpretShape(S, 0)))
                    .add(n22.mul((ShortVector) IntVector.broadcast(I, a.get(INT, p + 20)).reinterpretShape(S, 0))
                            .add(n23.mul((ShortVector) IntVector.broadcast(I, a.get(INT, p + 52)).reinterpretShape(S, 0))));
            ShortVector s3 = n30.mul((ShortVector) IntVector.broadcast(I, a.get(INT, p + 24)).reinterpretShape(S, 0))
                    .add(n31.mul((ShortVector) IntVector.broadcast(I, a.get(INT, p + 56)).reinterpretShape(S, 0)))
                    .add(n32.mul((ShortVector) IntVector.broadcast(I, a.get(INT, p + 28)).reinterpretShape(S, 0))
                            .add(n33.mul((ShortVector) IntVector.broadcast(I, a.get(INT, p + 60)).reinterpretShape(S, 0))));
            // The upper half of pairs + (pairs << 16) + offset is the row's sum over the block, exact: the low half
            // adds nothing to it, and the true sum, |sum (q - 8) a| <= 32 * 8 * 127, fits int16 whatever the
            // unsigned halves' sum wraps to. The offset, already multiplied, is broadcast as it is loaded: computed
            // here, it went through a general register (mov, vpbroadcastd), as any broadcast of a computed int does.
            IntVector pairs = (IntVector) s0.add(s1).add(s2.add(s3)).reinterpretShape(I, 0);
            IntVector sum = pairs.lanewise(VectorOperators.LSHL, SIXTEEN)
                    .lanewise(VectorOperators.ADD, IntVector.broadcast(I, a.get(INT, sums + 4L * j)))
                    .lanewise(VectorOperators.ADD, pairs).lanewise(VectorOperators.ASHR, SIXTEEN);
            long o = acc + 64L * j;
            ((FloatVector) sum.convert(VectorOperators.I2F, 0)).lanewise(VectorOperators.FMA,
                            d.lanewise(VectorOperators.MUL, FloatVector.broadcast(F, a.get(FLOAT, scales + 4L * j))),
                            FloatVector.fromMemorySegment(F, a, o, LE))
                    .intoMemorySegment(a, o, LE);
        }
    }
}
