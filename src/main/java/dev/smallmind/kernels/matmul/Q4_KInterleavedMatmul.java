package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.quant.Q8_KQuantizer;
import dev.smallmind.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q4_K weights interleaved at load in groups of {@link #GROUP} rows, times activations quantized to Q8_K and kept
 * as int16 in column order: {@link Q4_0InterleavedMatmul}'s int16 products, one 32-value sub-block at a time,
 * scaled by the sub-block's 6-bit scale and corrected by its 6-bit min as in ggml's {@code vec_dot_q4_K_q8_K}.
 *
 * <p>Layout of a group of {@code G} rows and {@code nb} super-blocks (256 columns each), the bytes its GGUF rows
 * take ({@code 144 G nb}): super-block {@code b} at {@code 144 G b}, its header ({@code 16 G} bytes) followed by its
 * eight sub-blocks' quants ({@code 16 G} bytes each), so that a group is one sequential stream. A header holds the
 * rows' fp16 {@code d} ({@code 2G} bytes), their fp16 {@code dmin} ({@code 2G}), then the rows' 6-bit scales and mins
 * re-encoded into three ints per row, int {@code u} of row {@code r} at {@code 4G + 4Gu + 4r} (one vector load gives
 * one int of every row): byte {@code j} of int 0 holds scale {@code j}, of int 1 scale {@code 4 + j}, of int 2 min
 * {@code j}, each in its low 6 bits, and the top 2 bits of the three bytes {@code j} hold min {@code 4 + j}, 2 bits
 * each (int 0 its lowest). A sub-block's scale is then one mask away from an int vector loaded {@code s % 4} bytes
 * into the rows' int {@code s / 4}. A sub-block's quants are four chunks of {@code 4G} bytes laid out exactly as a
 * {@link Q4_0InterleavedMatmul} block, where quant byte {@code t} of a row holds the sub-block's value {@code t} in
 * its low nibble and {@code t + 16} in its high one (GGUF keeps a sub-block in the low or the high nibbles of 32
 * bytes; packing moves them). Session 16 put every header ahead of every quant, to step one offset through all
 * sub-blocks; the header stream beside the quant stream then halved what one thread reads from beyond L2 (16-19
 * against 28 GB/s, docs/performance.md, "Session 33").
 *
 * <p>Per sub-block the 16 nibble products of an int16 lane sum to at most 16 x 15 x 127 = 30480; a row's sum
 * {@code s} (at most 32 x 15 x 127) times its scale (at most 63), and per super-block the sum of its mins times the
 * activations' sub-block sums (at most 8 x 63 x 32 x 127), are exact in int32 and below 2^24, so exact as floats;
 * each is added into the output with a fused multiply-add by {@code ad * d} or {@code -ad * dmin}. Results differ
 * from {@link Q4_KMatmulReference}, which rounds once per super-block, only by float summation order. Registered at
 * 256 and 512 bits, where a group's rows are one int vector.
 */
public final class Q4_KInterleavedMatmul extends Q8_KGroupMatmul {
    /** Rows interleaved in one group: 16 at 512 bits, 8 at 256 ({@link GroupPacking#GROUP}). */
    public static final int GROUP = GroupPacking.GROUP;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** The fp16 {@code d} or {@code dmin} of the group's rows. */
    private static final VectorSpecies<Short> HALVES =
            VectorSpecies.of(short.class, VectorShape.forBitSize(GROUP * 16));
    // Masks and int shift counts as vectors rather than scalar operands (docs/architecture.md, "Speculative types").
    // The upper nibbles are shifted in int lanes by a count vector and masked in both int16 halves: an int16 shift
    // by a constant count got its count rematerialized before every vpsrlw, as in Q4_0InterleavedMatmul.dot.
    private static final ShortVector NIBBLE = ShortVector.broadcast(S, (short) 0xF);
    private static final IntVector HALF_MAGNITUDE = IntVector.broadcast(I, 0x7FFF);
    private static final IntVector HALF_SIGN = IntVector.broadcast(I, 0x8000);
    private static final IntVector THIRTEEN = IntVector.broadcast(I, 13);
    private static final IntVector SIXTEEN = IntVector.broadcast(I, 16);
    private static final IntVector TWO_INT = IntVector.broadcast(I, 2);
    private static final IntVector FOUR_INT = IntVector.broadcast(I, 4);
    private static final IntVector EIGHT_INT = IntVector.broadcast(I, 8);
    private static final IntVector TWELVE_INT = IntVector.broadcast(I, 12);
    private static final IntVector NIBBLES = IntVector.broadcast(I, 0x000F000F);
    private static final IntVector TWENTY_FOUR = IntVector.broadcast(I, 24);
    private static final IntVector SIX_INT = IntVector.broadcast(I, 6);
    private static final IntVector SIX_BITS = IntVector.broadcast(I, 0x3F);
    private static final IntVector SIX_BITS_PER_BYTE = IntVector.broadcast(I, 0x3F3F3F3F);
    private static final IntVector BITS_0_1 = IntVector.broadcast(I, 0x03030303);
    private static final IntVector BITS_2_3 = IntVector.broadcast(I, 0x0C0C0C0C);
    private static final IntVector BITS_4_5 = IntVector.broadcast(I, 0x30303030);
    private static final IntVector BYTE = IntVector.broadcast(I, 0xFF);
    private static final IntVector NIBBLE_INT = IntVector.broadcast(I, 0xF);
    /** {@code 2^112}: an fp16 value's exponent and mantissa moved into a float's fields, times this, is its value. */
    private static final float HALF_TO_FLOAT = 0x1p112f;
    private static final int QK_K = Q8_KQuantizer.QK;
    private static final int SUB_BLOCKS = QK_K / QK;
    private static final int HALF = QK / 2;
    /** GGUF block: fp16 d, fp16 dmin, the 12-byte scale field, 128 quant bytes. */
    private static final int BLOCK_BYTES = 144;
    private static final int GGUF_SCALES = 4;
    private static final int GGUF_QUANTS = 16;
    private static final int GROUP_BLOCK_BYTES = GROUP * BLOCK_BYTES;
    private static final int DMIN = 2 * GROUP;
    /** Offset of the first scale-field int vector; int {@code u} of the rows at {@code FIELD + u * FIELD_INTS}. */
    private static final int FIELD = 4 * GROUP;
    private static final int FIELD_INTS = 4 * GROUP;
    /** Bytes of one super-block's header: {@code d}, {@code dmin} and the three scale-field ints of every row. */
    private static final int HEADER_BYTES = FIELD + 3 * FIELD_INTS;
    private static final int CHUNK_BYTES = 4 * GROUP;
    private static final int SUB_BLOCK_BYTES = 4 * CHUNK_BYTES;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfByte BYTE_LAYOUT = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * @return whether this JVM's vectors suit the kernel: 256 or 512 bits, one int lane per row of a group, else
     *         models run {@link Q4_KMatmul}
     */
    public static boolean supported() {
        return SUPPORTED;
    }

    @Override
    public DType weightType() {
        return DType.Q4_K;
    }

    /**
     * Rearranges whole groups of GGUF rows into the interleaved layout.
     *
     * @throws IllegalArgumentException when {@code rows} is not a multiple of {@link #GROUP} or a super-block's
     *                                  {@code d} or {@code dmin} is not finite (its byte offset in {@code src} named)
     */
    @Override
    public void pack(MemorySegment src, long srcOffset, int k, int rows, MemorySegment dst, long dstOffset) {
        GroupPacking.packGroups(DType.Q4_K, src, srcOffset, k, rows, dst, dstOffset, this::packBlock);
    }

    /** Block {@code b} of row {@code r} of a group, as {@link GroupPacking.BlockPacker} calls it. */
    private void packBlock(byte[] in, int i, long src0, byte[] out, int b, int r) {
        int o = b * GROUP_BLOCK_BYTES;
        requireFiniteHalf(in, i, src0, false);
        requireFiniteHalf(in, i + 2, src0, true);
        out[o + 2 * r] = in[i];
        out[o + 2 * r + 1] = in[i + 1];
        out[o + DMIN + 2 * r] = in[i + 2];
        out[o + DMIN + 2 * r + 1] = in[i + 3];
        int u0 = GroupPacking.intAt(in, i + GGUF_SCALES);
        int u1 = GroupPacking.intAt(in, i + GGUF_SCALES + 4);
        int u2 = GroupPacking.intAt(in, i + GGUF_SCALES + 8);
        for (int u = 0; u < 3; u++) {
            int field = 0;
            for (int j = 0; j < 4; j++) {
                int six = u < 2 ? KQuantScales.scale(u0, u2, 4 * u + j) : KQuantScales.min(u1, u2, j);
                int highMin = KQuantScales.min(u1, u2, 4 + j);
                field |= (six | ((highMin >>> (2 * u)) & 3) << 6) << (8 * j);
            }
            GroupPacking.putInt(out, o + FIELD + u * FIELD_INTS + 4 * r, field);
        }
        for (int s = 0; s < SUB_BLOCKS; s++) {
            // sub-block s is the low (even s) or high (odd s) nibbles of GGUF bytes 32 (s / 2) on
            int run = i + GGUF_QUANTS + 32 * (s / 2);
            int shift = 4 * (s & 1);
            for (int c = 0; c < 4; c++) {
                int low = (GroupPacking.intAt(in, run + 4 * c) >>> shift) & 0x0F0F0F0F;
                int high = (GroupPacking.intAt(in, run + HALF + 4 * c) >>> shift) & 0x0F0F0F0F;
                int at = o + HEADER_BYTES + s * SUB_BLOCK_BYTES + c * CHUNK_BYTES + 4 * r;
                GroupPacking.putInt(out, at, GroupPacking.swapMiddleBytes(low | (high << 4)));
            }
        }
    }

    /** Row {@code lane} of the group at {@code group}, in scalar code (not on the engine's paths). */
    @Override
    void decodeGroupRow(MemorySegment w, long group, int lane, int k, MemorySegment dst, long out) {
        int nb = k / QK_K;
        for (int b = 0; b < nb; b++) {
            long wb = group + (long) b * GROUP_BLOCK_BYTES;
            for (int s = 0; s < SUB_BLOCKS; s++) {
                float scale = rowScale(w, wb, lane, s);
                float min = rowMin(w, wb, lane, s);
                for (int column = 0; column < QK; column++) {
                    long chunk = wb + HEADER_BYTES + (long) s * SUB_BLOCK_BYTES
                            + (long) ((column % HALF) / 4) * CHUNK_BYTES;
                    int packed = w.get(BYTE_LAYOUT, chunk + 4L * lane + GroupPacking.bytePosition(column % 4))
                            & 0xFF;
                    int q = column < HALF ? packed & 0xF : packed >>> 4;
                    dst.set(FLOAT, out + ((long) b * QK_K + (long) s * QK + column) * Float.BYTES, scale * q - min);
                }
            }
        }
    }

    /** {@code d * scale}, as {@link Q4_KMatmulReference#decodeRow} rounds it. */
    private static float rowScale(MemorySegment w, long wb, int lane, int s) {
        int field = w.get(INT, wb + FIELD + (long) (s / 4) * FIELD_INTS + 4L * lane);
        return Float.float16ToFloat(w.get(SHORT, wb + 2L * lane)) * ((field >>> (8 * (s % 4))) & 0x3F);
    }

    /** {@code dmin * min}, as {@link Q4_KMatmulReference#decodeRow} rounds it. */
    private static float rowMin(MemorySegment w, long wb, int lane, int s) {
        int shift = 8 * (s % 4);
        int min;
        if (s < 4) {
            min = (w.get(INT, wb + FIELD + 2L * FIELD_INTS + 4L * lane) >>> shift) & 0x3F;
        } else {
            min = 0;
            for (int u = 0; u < 3; u++) {
                min |= ((w.get(INT, wb + FIELD + (long) u * FIELD_INTS + 4L * lane) >>> (shift + 6)) & 3) << (2 * u);
            }
        }
        return Float.float16ToFloat(w.get(SHORT, wb + DMIN + 2L * lane)) * min;
    }

    /**
     * Groups {@code [groupFrom, groupTo)}: a sub-block's four chunks are transposed back into rows by two-vector
     * permutes ({@link ChunkTranspose}) and each row's nibbles come out by per-lane shifts, as in
     * {@code Q4_0InterleavedMatmul}, then {@code q * (d * scale) - dmin * min} with the reference's roundings.
     */
    @Override
    void decodeGroups(MemorySegment w, long wOffset, int k, int groupFrom, int groupTo, MemorySegment dst,
                      long dstOffset) {
        int nb = k / QK_K;
        long groupBytes = (long) nb * GROUP_BLOCK_BYTES;
        long rowFloats = (long) k * Float.BYTES;
        for (int g = groupFrom; g < groupTo; g++) {
            long group = wOffset + g * groupBytes;
            long out = dstOffset + (long) (g - groupFrom) * GROUP * rowFloats;
            for (int b = 0; b < nb; b++) {
                long wb = group + (long) b * GROUP_BLOCK_BYTES;
                for (int s = 0; s < SUB_BLOCKS; s++) {
                    long qc = wb + HEADER_BYTES + (long) s * SUB_BLOCK_BYTES;
                    IntVector c0 = IntVector.fromMemorySegment(I, w, qc, LE);
                    IntVector c1 = IntVector.fromMemorySegment(I, w, qc + CHUNK_BYTES, LE);
                    IntVector c2 = IntVector.fromMemorySegment(I, w, qc + 2 * CHUNK_BYTES, LE);
                    IntVector c3 = IntVector.fromMemorySegment(I, w, qc + 3 * CHUNK_BYTES, LE);
                    long db = out + ((long) b * QK_K + (long) s * QK) * Float.BYTES;
                    for (int quad = 0; quad < 4; quad++) {
                        IntVector pairs = ChunkTranspose.PAIRS.lanewise(VectorOperators.ADD,
                                IntVector.broadcast(I, ChunkTranspose.HALF * (quad >> 1)));
                        IntVector quads = ChunkTranspose.QUADS.lanewise(VectorOperators.ADD,
                                        IntVector.broadcast(I, ChunkTranspose.HALF * (quad & 1)))
                                .selectFrom(pairs.selectFrom(c0, c1), pairs.selectFrom(c2, c3));
                        for (int part = 0; part < ChunkTranspose.QUAD_ROWS; part++) {
                            int r = ChunkTranspose.QUAD_ROWS * quad + part;
                            FloatVector scale = FloatVector.broadcast(F, rowScale(w, wb, r, s));
                            FloatVector min = FloatVector.broadcast(F, rowMin(w, wb, r, s));
                            for (int span = 0; span < ChunkTranspose.SPANS; span++) {
                                IntVector row = ChunkTranspose.SPREAD.lanewise(VectorOperators.ADD,
                                        IntVector.broadcast(I, 4 * part + ChunkTranspose.QUAD_ROWS * span))
                                        .selectFrom(quads);
                                long dr = db + r * rowFloats + (long) span * F.length() * Float.BYTES;
                                ((FloatVector) row.lanewise(VectorOperators.LSHR, ChunkTranspose.LOW_NIBBLE_SHIFT)
                                        .lanewise(VectorOperators.AND, NIBBLE_INT)
                                        .convert(VectorOperators.I2F, 0))
                                        .lanewise(VectorOperators.MUL, scale).lanewise(VectorOperators.SUB, min)
                                        .intoMemorySegment(dst, dr, LE);
                                ((FloatVector) row.lanewise(VectorOperators.LSHR, ChunkTranspose.HIGH_NIBBLE_SHIFT)
                                        .lanewise(VectorOperators.AND, NIBBLE_INT)
                                        .convert(VectorOperators.I2F, 0))
                                        .lanewise(VectorOperators.MUL, scale).lanewise(VectorOperators.SUB, min)
                                        .intoMemorySegment(dst, dr + HALF * Float.BYTES, LE);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * @throws UnsupportedOperationException where {@link #supported()} does not hold: the products assume one int lane
     *                                       per row of a group and would be wrong with narrower vectors
     */
    @Override
    void dotRows(MemorySegment w, long wq, long scales, int nb, MemorySegment act, long ar, int k, MemorySegment y,
                 long yo) {
        if (!SUPPORTED) {
            throw MatmulText.narrowVectors(DType.Q4_K, S.vectorBitSize(), Q4_KMatmul.class);
        }
        dot(w, scales, nb, act, ar, y, yo);
        subtractMins(w, scales, nb, act, ar, y, yo);
    }

    /**
     * The group's rows times one prepared activation row.
     *
     * @param group byte offset of the group
     * @param nb    super-blocks per row
     */
    private static void dot(MemorySegment w, long group, int nb, MemorySegment act, long ar, MemorySegment y,
                            long yo) {
        // The rows' sums accumulate in the output, not in vectors carried round the loops, for the reason given in
        // Q4_0InterleavedMatmul.dot. Both loops step offsets to an end tested with !=, which C2 does not take for
        // counted loops (as there): one counted loop over all sub-blocks (b = i / 8, s = i % 8) took 224
        // instructions a sub-block, 39 of them stack accesses, and counted loops nested as these ran each
        // super-block through a pre-loop of range-check arithmetic (about 1400 instructions, session 16). These
        // take 174 a sub-block and 67 a super-block, with the super-block's d converted once and kept in a register
        // (docs/performance.md, "Session 24").
        FloatVector.zero(F).intoMemorySegment(y, yo, LE);
        long wb = group;
        long end = group + (long) nb * GROUP_BLOCK_BYTES;
        long ab = ar;
        while (wb != end) {
            IntVector hd = (IntVector) ShortVector.fromMemorySegment(HALVES, w, wb, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            FloatVector d = ((FloatVector) hd.lanewise(VectorOperators.AND, HALF_MAGNITUDE)
                    .lanewise(VectorOperators.LSHL, THIRTEEN)
                    .lanewise(VectorOperators.OR, hd.lanewise(VectorOperators.AND, HALF_SIGN)
                            .lanewise(VectorOperators.LSHL, SIXTEEN))
                    .reinterpretShape(F, 0))
                    .lanewise(VectorOperators.MUL, FloatVector.broadcast(F, HALF_TO_FLOAT * act.get(FLOAT, ab)));
            long wq = wb + HEADER_BYTES;
            long aq = ab + Q8_KActivations.QUANTS;
            long aqEnd = aq + 2L * QK_K;
            int s = 0;
            while (aq != aqEnd) {
                // Scale s of row r is byte s % 4 of the row's int s / 4: a load that many bytes further puts it in
                // the low byte of the row's lane.
                long sc = wb + FIELD + (s >> 2) * FIELD_INTS + (s & 3);
                // The four chunks written out, as in Q4_0InterleavedMatmul.dot.
                ShortVector v = ShortVector.fromMemorySegment(S, w, wq, LE);
                IntVector u = (IntVector) v.reinterpretShape(I, 0);
                ShortVector sum = v.lanewise(VectorOperators.AND, NIBBLE).lanewise(VectorOperators.MUL,
                        (ShortVector) IntVector.broadcast(I, act.get(INT, aq)).reinterpretShape(S, 0));
                sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, FOUR_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 32)).reinterpretShape(S, 0)));
                sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, EIGHT_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 4)).reinterpretShape(S, 0)));
                sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, TWELVE_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 36)).reinterpretShape(S, 0)));
                v = ShortVector.fromMemorySegment(S, w, wq + CHUNK_BYTES, LE);
                u = (IntVector) v.reinterpretShape(I, 0);
                sum = sum.lanewise(VectorOperators.ADD, v.lanewise(VectorOperators.AND, NIBBLE)
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 8)).reinterpretShape(S, 0)));
                sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, FOUR_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 40)).reinterpretShape(S, 0)));
                sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, EIGHT_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 12)).reinterpretShape(S, 0)));
                sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, TWELVE_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 44)).reinterpretShape(S, 0)));
                v = ShortVector.fromMemorySegment(S, w, wq + 2 * CHUNK_BYTES, LE);
                u = (IntVector) v.reinterpretShape(I, 0);
                sum = sum.lanewise(VectorOperators.ADD, v.lanewise(VectorOperators.AND, NIBBLE)
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 16)).reinterpretShape(S, 0)));
                sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, FOUR_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 48)).reinterpretShape(S, 0)));
                sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, EIGHT_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 20)).reinterpretShape(S, 0)));
                sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, TWELVE_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 52)).reinterpretShape(S, 0)));
                v = ShortVector.fromMemorySegment(S, w, wq + 3 * CHUNK_BYTES, LE);
                u = (IntVector) v.reinterpretShape(I, 0);
                sum = sum.lanewise(VectorOperators.ADD, v.lanewise(VectorOperators.AND, NIBBLE)
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 24)).reinterpretShape(S, 0)));
                sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, FOUR_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 56)).reinterpretShape(S, 0)));
                sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, EIGHT_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 28)).reinterpretShape(S, 0)));
                sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, TWELVE_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 60)).reinterpretShape(S, 0)));
                IntVector pairs = (IntVector) sum.reinterpretShape(I, 0);
                IntVector scale = IntVector.fromMemorySegment(I, w, sc, LE);
                IntVector products = pairs.lanewise(VectorOperators.LSHL, SIXTEEN)
                        .lanewise(VectorOperators.ASHR, SIXTEEN)
                        .lanewise(VectorOperators.ADD, pairs.lanewise(VectorOperators.ASHR, SIXTEEN))
                        .lanewise(VectorOperators.MUL, scale.lanewise(VectorOperators.AND, SIX_BITS));
                ((FloatVector) products.convert(VectorOperators.I2F, 0))
                        .lanewise(VectorOperators.FMA, d, FloatVector.fromMemorySegment(F, y, yo, LE))
                        .intoMemorySegment(y, yo, LE);
                s++;
                wq += SUB_BLOCK_BYTES;
                aq += 2 * QK;
            }
            wb += GROUP_BLOCK_BYTES;
            ab += Q8_KActivations.BLOCK_BYTES;
        }
    }

    /**
     * Takes {@code ad * dmin * sum_s min_s * asum_s} of every super-block off the group's rows, where {@code asum_s}
     * is the activations' sum over sub-block {@code s}: a method of its own, so that {@link #dot} stays within what
     * C1 compiles (as one method, its tier-3 compilation failed with "out of virtual registers", which left it at
     * tier 2, boxing every vector, for good). Each term is at most 63 x 32 x 127, exact as a float.
     */
    private static void subtractMins(MemorySegment w, long group, int nb, MemorySegment act, long ar, MemorySegment y,
                                     long yo) {
        long wb = group;
        long end = group + (long) nb * GROUP_BLOCK_BYTES;
        long sums = ar + Q8_KActivations.SUB_BLOCK_SUMS;
        while (wb != end) {
            IntVector u0 = IntVector.fromMemorySegment(I, w, wb + FIELD, LE);
            IntVector u1 = IntVector.fromMemorySegment(I, w, wb + FIELD + FIELD_INTS, LE);
            IntVector u2 = IntVector.fromMemorySegment(I, w, wb + FIELD + 2 * FIELD_INTS, LE);
            // Mins of sub-blocks 0-3 are the low 6 bits of u2's bytes; those of 4-7 are spread, 2 bits at a time,
            // over the top bits of u0's, u1's and u2's bytes (pack).
            IntVector low = u2.lanewise(VectorOperators.AND, SIX_BITS_PER_BYTE);
            IntVector high = u0.lanewise(VectorOperators.LSHR, SIX_INT).lanewise(VectorOperators.AND, BITS_0_1)
                    .lanewise(VectorOperators.OR, u1.lanewise(VectorOperators.LSHR, FOUR_INT)
                            .lanewise(VectorOperators.AND, BITS_2_3))
                    .lanewise(VectorOperators.OR, u2.lanewise(VectorOperators.LSHR, TWO_INT)
                            .lanewise(VectorOperators.AND, BITS_4_5));
            IntVector terms = low.lanewise(VectorOperators.AND, BYTE)
                    .lanewise(VectorOperators.MUL, IntVector.broadcast(I, act.get(INT, sums)))
                    .lanewise(VectorOperators.ADD, low.lanewise(VectorOperators.LSHR, EIGHT_INT)
                            .lanewise(VectorOperators.AND, BYTE).lanewise(VectorOperators.MUL,
                                    IntVector.broadcast(I, act.get(INT, sums + 4))))
                    .lanewise(VectorOperators.ADD, low.lanewise(VectorOperators.LSHR, SIXTEEN)
                            .lanewise(VectorOperators.AND, BYTE).lanewise(VectorOperators.MUL,
                                    IntVector.broadcast(I, act.get(INT, sums + 8))))
                    .lanewise(VectorOperators.ADD, low.lanewise(VectorOperators.LSHR, TWENTY_FOUR)
                            .lanewise(VectorOperators.MUL,
                                    IntVector.broadcast(I, act.get(INT, sums + 12))))
                    .lanewise(VectorOperators.ADD, high.lanewise(VectorOperators.AND, BYTE)
                            .lanewise(VectorOperators.MUL,
                                    IntVector.broadcast(I, act.get(INT, sums + 16))))
                    .lanewise(VectorOperators.ADD, high.lanewise(VectorOperators.LSHR, EIGHT_INT)
                            .lanewise(VectorOperators.AND, BYTE).lanewise(VectorOperators.MUL,
                                    IntVector.broadcast(I, act.get(INT, sums + 20))))
                    .lanewise(VectorOperators.ADD, high.lanewise(VectorOperators.LSHR, SIXTEEN)
                            .lanewise(VectorOperators.AND, BYTE).lanewise(VectorOperators.MUL,
                                    IntVector.broadcast(I, act.get(INT, sums + 24))))
                    .lanewise(VectorOperators.ADD, high.lanewise(VectorOperators.LSHR, TWENTY_FOUR)
                            .lanewise(VectorOperators.MUL,
                                    IntVector.broadcast(I, act.get(INT, sums + 28))));
            float ad = act.get(FLOAT, sums - Q8_KActivations.SUB_BLOCK_SUMS);
            IntVector h = (IntVector) ShortVector.fromMemorySegment(HALVES, w, wb + DMIN, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            FloatVector negativeDmin = ((FloatVector) h.lanewise(VectorOperators.AND, HALF_MAGNITUDE)
                    .lanewise(VectorOperators.LSHL, THIRTEEN)
                    .lanewise(VectorOperators.OR, h.lanewise(VectorOperators.AND, HALF_SIGN)
                            .lanewise(VectorOperators.LSHL, SIXTEEN))
                    .reinterpretShape(F, 0))
                    .lanewise(VectorOperators.MUL, FloatVector.broadcast(F, -HALF_TO_FLOAT * ad));
            ((FloatVector) terms.convert(VectorOperators.I2F, 0))
                    .lanewise(VectorOperators.FMA, negativeDmin, FloatVector.fromMemorySegment(F, y, yo, LE))
                    .intoMemorySegment(y, yo, LE);
            wb += GROUP_BLOCK_BYTES;
            sums += Q8_KActivations.BLOCK_BYTES;
        }
    }
}
