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
 * Q6_K weights interleaved at load in groups of {@link #GROUP} rows, times activations quantized to Q8_K and kept
 * as int16 in column order: {@link Q4_KInterleavedMatmul}'s int16 products and loop, over values stored as signed
 * 6-bit fields, one scale per 16 columns, as in ggml's {@code vec_dot_q6_K_q8_K}.
 *
 * <p>Layout of a group of {@code G} rows and {@code nb} super-blocks (256 columns each), the bytes its GGUF rows
 * take ({@code 210 G nb}): super-block {@code b} at {@code 210 G b}, its header ({@code 18 G} bytes) followed by
 * its sixteen 16-column sub-blocks' quants ({@code 12 G} bytes each), so that a group is one sequential stream, as
 * in {@link Q4_KInterleavedMatmul}. A header holds the rows' fp16 {@code d} ({@code 2G} bytes), then their 16 int8
 * scales as four ints per row, int {@code u} of row {@code r} at {@code 2G + 4Gu + 4r} (one vector load gives one int of every
 * row) holding scales {@code 4u} to {@code 4u + 3}, one per byte as GGUF orders them. A sub-block's quants are three
 * planes of {@code 4G} bytes, row {@code r}'s int at {@code 4r}; int16 lane {@code e} of that int (lane
 * {@code 2r + e} of the vector) holds columns {@code 2f + e}, {@code f = 0..7}, each as the 6-bit two's complement
 * of {@code q - 32} (GGUF's {@code q} with bit 5 flipped): plane 0 holds field 0 in bits 10-15, field 1 in bits 4-9
 * and the top 4 bits of field 6 in bits 0-3; plane 1 fields 2, 3 and the top of 7 the same way; plane 2 fields 4
 * and 5, then the low 2 bits of field 6 in bits 0-1 and of field 7 in bits 2-3. A field at the top of a lane is one
 * arithmetic shift away from its signed value, one in bits 4-9 two, a split one four or five: 18 operations give
 * the 8 values of every lane, against 12 for Q4_K's 8 nibbles and about 5 per value in {@link Q6_KMatmul}. Field
 * {@code f} pairs with the activations' int16 pair at {@code 2f}, so the activations stay in column order.
 *
 * <p>Bounds. Q8_K quants are -127 to 127, never -128 ({@link Q8_KQuantizer} maps the value of largest magnitude
 * to -127 and clamps at 127), so a product {@code (q - 32) a} is at most 32 x 127 = 4064 in magnitude and the 8 an
 * int16 lane sums per sub-block at most 32512, which fits (with -128 the 8 products of -32 x -128 would make 32768,
 * one too many). Subtracting 32 inside the fields, instead of through the activations' 16-value sums, keeps 8
 * products per lane: unsigned, {@code 63 x 127 x 8 = 64008} would not fit. A row's sub-block sum (two lanes) is
 * at most 65024, times its scale (at most 128 in magnitude) 8,323,072, and the two sub-blocks of a pass together
 * at most 16,646,144, below 2^24: exact in int32 and as a float, added into the output with one fused
 * multiply-add by {@code ad * d}. Results differ from {@link Q6_KMatmulReference}, which rounds once per super-block,
 * only by float summation order.
 * Registered at 256 and 512 bits, where a group's rows are one int vector.
 */
public final class Q6_KInterleavedMatmul extends Q8_KGroupMatmul {
    /** Rows interleaved in one group: 16 at 512 bits, 8 at 256 ({@link GroupPacking#GROUP}). */
    public static final int GROUP = GroupPacking.GROUP;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** The fp16 {@code d} of the group's rows. */
    private static final VectorSpecies<Short> HALVES =
            VectorSpecies.of(short.class, VectorShape.forBitSize(GROUP * 16));
    // Masks and int shift counts as vectors rather than scalar operands (docs/architecture.md, "Speculative types");
    // the int16 shifts take constant counts, one instruction each on AVX2, which has no int16 shift by a vector of
    // counts (AVX-512 has).
    private static final ShortVector TWO_BITS = ShortVector.broadcast(S, (short) 3);
    private static final IntVector HALF_MAGNITUDE = IntVector.broadcast(I, 0x7FFF);
    private static final IntVector HALF_SIGN = IntVector.broadcast(I, 0x8000);
    private static final IntVector THIRTEEN = IntVector.broadcast(I, 13);
    private static final IntVector SIXTEEN = IntVector.broadcast(I, 16);
    private static final IntVector TWENTY_FOUR = IntVector.broadcast(I, 24);
    /** {@code 2^112}: an fp16 value's exponent and mantissa moved into a float's fields, times this, is its value. */
    private static final float HALF_TO_FLOAT = 0x1p112f;
    private static final int QK_K = Q8_KQuantizer.QK;
    /** Columns of a sub-block, which shares one scale. */
    private static final int SUB_BLOCK = 16;
    private static final int SUB_BLOCKS = QK_K / SUB_BLOCK;
    /** GGUF block: 128 bytes of low nibbles, 64 of high bit pairs, 16 int8 scales, fp16 d. */
    private static final int BLOCK_BYTES = 210;
    private static final int GGUF_QH = 128;
    private static final int GGUF_SCALES = 192;
    private static final int GGUF_D = 208;
    private static final int GROUP_BLOCK_BYTES = GROUP * BLOCK_BYTES;
    /** Offset of the first scale int vector in a header; int {@code u} of the rows at {@code SCALES + u * SCALE_INTS}. */
    private static final int SCALES = 2 * GROUP;
    private static final int SCALE_INTS = 4 * GROUP;
    /** Bytes of one super-block's header: {@code d} and the four scale ints of every row. */
    private static final int HEADER_BYTES = SCALES + 4 * SCALE_INTS;
    /** One plane of a sub-block: an int per row. */
    private static final int PLANE_BYTES = 4 * GROUP;
    private static final int SUB_BLOCK_BYTES = 3 * PLANE_BYTES;
    private static final int PAIR_BYTES = 2 * SUB_BLOCK_BYTES;
    /** GGUF stores {@code q} in 0..63 for {@code q - 32}; flipping bit 5 gives the 6-bit two's complement. */
    private static final int SIGN_FLIP = 0x20;
    /**
     * Two-vector select indexes for {@link #decodeGroups}: lane {@code i} takes the int of a transposed pair of
     * quads ({@link ChunkTranspose}) that holds column {@code i} of the quads' first row, columns 0-7 from the first
     * vector (fields 0-3), 8-15 from the second; plus {@code 4n}: row {@code n}; plus the lane count: the second
     * span of 8 columns at 256 bits.
     */
    private static final IntVector COLUMN_INTS = IntVector.fromArray(I, columnInts(), 0);
    /** Per lane, the left shift that puts the lane's column (low int16 of the int for even columns) at the top. */
    private static final IntVector COLUMN_SHIFT = IntVector.fromArray(I, columnShifts(), 0);
    /** Int vectors per row of a sub-block's 16 columns: 2 at 256 bits, 1 at 512. */
    private static final int SPANS = Math.max(1, SUB_BLOCK / I.length());
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * @return whether this JVM's vectors suit the kernel: 256 or 512 bits, one int lane per row of a group, else
     *         models run {@link Q6_KMatmul}
     */
    public static boolean supported() {
        return SUPPORTED;
    }

    @Override
    public DType weightType() {
        return DType.Q6_K;
    }

    /**
     * Rearranges whole groups of GGUF rows into the interleaved layout.
     *
     * @throws IllegalArgumentException when {@code rows} is not a multiple of {@link #GROUP} or a super-block's
     *                                  {@code d} is not finite (its byte offset in {@code src} named)
     */
    @Override
    public void pack(MemorySegment src, long srcOffset, int k, int rows, MemorySegment dst, long dstOffset) {
        GroupPacking.packGroups(DType.Q6_K, src, srcOffset, k, rows, dst, dstOffset, this::packBlock);
    }

    /** Block {@code b} of row {@code r} of a group, as {@link GroupPacking.BlockPacker} calls it. */
    private void packBlock(byte[] in, int i, long src0, byte[] out, int b, int r) {
        int o = b * GROUP_BLOCK_BYTES;
        requireFiniteHalf(in, i + GGUF_D, src0, false);
        out[o + 2 * r] = in[i + GGUF_D];
        out[o + 2 * r + 1] = in[i + GGUF_D + 1];
        for (int u = 0; u < 4; u++) {
            GroupPacking.putInt(out, o + SCALES + u * SCALE_INTS + 4 * r,
                    GroupPacking.intAt(in, i + GGUF_SCALES + 4 * u));
        }
        for (int s = 0; s < SUB_BLOCKS; s++) {
            int at = o + HEADER_BYTES + s * SUB_BLOCK_BYTES + 4 * r;
            for (int plane = 0; plane < 3; plane++) {
                int lanes = packedLane(in, i, SUB_BLOCK * s, plane)
                        | packedLane(in, i, SUB_BLOCK * s + 1, plane) << 16;
                GroupPacking.putInt(out, at + plane * PLANE_BYTES, lanes);
            }
        }
    }

    /**
     * @param first the element (0 to 255) of the lane's field 0: fields {@code f} are elements {@code first + 2f}
     * @return the 16 bits of one plane's int16 lane, as the class comment lays them out
     */
    private static int packedLane(byte[] in, int i, int first, int plane) {
        if (plane < 2) {
            return field(in, i, first + 4 * plane) << 10 | field(in, i, first + 4 * plane + 2) << 4
                    | field(in, i, first + 12 + 2 * plane) >>> 2;
        }
        return field(in, i, first + 8) << 10 | field(in, i, first + 10) << 4
                | (field(in, i, first + 14) & 3) << 2 | field(in, i, first + 12) & 3;
    }

    /** @return the 6-bit two's complement of {@code q - 32} for element {@code e} of the GGUF block at {@code in[i]} */
    private static int field(byte[] in, int i, int e) {
        // Q6_KMatmulReference.quant's bit positions.
        int n = e / 128;
        int quarter = e % 128 / 32;
        int l = e % 32;
        int low = in[i + 64 * n + 32 * (quarter & 1) + l] >> 4 * (quarter >> 1) & 0xF;
        int high = in[i + GGUF_QH + 32 * n + l] >> 2 * quarter & 3;
        return (low | high << 4) ^ SIGN_FLIP;
    }

    /**
     * @param lanes int16 lanes {@code e} of planes 0, 1 and 2 (each in the low 16 bits)
     * @param f     field 0 to 7
     * @return its value {@code q - 32}, as the products extract it
     */
    private static int value(int[] lanes, int f) {
        if (f < 6) {
            int lane = lanes[f / 2] << 16;
            return (f % 2 == 0 ? lane : lane << 6) >> 26;
        }
        int top = lanes[f - 6] << 28 >> 26;
        return top | lanes[2] >> 2 * (f - 6) & 3;
    }

    /** Row {@code lane} of the group at {@code group}, in scalar code (not on the engine's paths). */
    @Override
    void decodeGroupRow(MemorySegment w, long group, int lane, int k, MemorySegment dst, long out) {
        int nb = k / QK_K;
        int[] lanes = new int[3];
        for (int b = 0; b < nb; b++) {
            long wb = group + (long) b * GROUP_BLOCK_BYTES;
            for (int s = 0; s < SUB_BLOCKS; s++) {
                float scale = rowScale(w, wb, lane, s);
                long at = wb + HEADER_BYTES + (long) s * SUB_BLOCK_BYTES + 4L * lane;
                for (int column = 0; column < SUB_BLOCK; column++) {
                    for (int plane = 0; plane < 3; plane++) {
                        lanes[plane] = w.get(SHORT, at + (long) plane * PLANE_BYTES + 2L * (column % 2));
                    }
                    dst.set(FLOAT, out + ((long) b * QK_K + (long) s * SUB_BLOCK + column) * Float.BYTES,
                            scale * value(lanes, column / 2));
                }
            }
        }
    }

    /** {@code d * scale}, as {@link Q6_KMatmulReference#decodeRow} rounds it (exactly: 11 by 8 bits). */
    private static float rowScale(MemorySegment w, long wb, int lane, int s) {
        int scale = w.get(BYTE, wb + SCALES + (long) (s / 4) * SCALE_INTS + 4L * lane + s % 4);
        return Float.float16ToFloat(w.get(SHORT, wb + 2L * lane)) * scale;
    }

    /**
     * Groups {@code [groupFrom, groupTo)}: a sub-block's 8 fields come out of its planes as in {@link #dot}, one
     * int16 vector each (an int per row: two adjacent columns), and are transposed back into rows by two-vector
     * permutes ({@link ChunkTranspose}, fields 0-3 and 4-7 as two sets of four chunks); each row's 16 columns are then
     * spread one per int lane ({@link #COLUMN_INTS}), sign-extended by per-lane shifts and scaled by
     * {@code d * scale} with the reference's rounding. Loops rather than written out, as in
     * {@code Q4_KInterleavedMatmul}.
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
            for (int i = 0; i < nb * SUB_BLOCKS; i++) {
                int b = i / SUB_BLOCKS;
                int s = i % SUB_BLOCKS;
                long wb = group + (long) b * GROUP_BLOCK_BYTES;
                long wq = wb + HEADER_BYTES + (long) s * SUB_BLOCK_BYTES;
                ShortVector v0 = ShortVector.fromMemorySegment(S, w, wq, LE);
                ShortVector v1 = ShortVector.fromMemorySegment(S, w, wq + PLANE_BYTES, LE);
                ShortVector v2 = ShortVector.fromMemorySegment(S, w, wq + 2 * PLANE_BYTES, LE);
                IntVector f0 = (IntVector) v0.lanewise(VectorOperators.ASHR, 10).reinterpretShape(I, 0);
                IntVector f1 = (IntVector) v0.lanewise(VectorOperators.LSHL, 6).lanewise(VectorOperators.ASHR, 10)
                        .reinterpretShape(I, 0);
                IntVector f2 = (IntVector) v1.lanewise(VectorOperators.ASHR, 10).reinterpretShape(I, 0);
                IntVector f3 = (IntVector) v1.lanewise(VectorOperators.LSHL, 6).lanewise(VectorOperators.ASHR, 10)
                        .reinterpretShape(I, 0);
                IntVector f4 = (IntVector) v2.lanewise(VectorOperators.ASHR, 10).reinterpretShape(I, 0);
                IntVector f5 = (IntVector) v2.lanewise(VectorOperators.LSHL, 6).lanewise(VectorOperators.ASHR, 10)
                        .reinterpretShape(I, 0);
                IntVector f6 = (IntVector) v0.lanewise(VectorOperators.LSHL, 12).lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.OR, v2.lanewise(VectorOperators.AND, TWO_BITS))
                        .reinterpretShape(I, 0);
                IntVector f7 = (IntVector) v1.lanewise(VectorOperators.LSHL, 12).lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.OR, v2.lanewise(VectorOperators.LSHR, 2)
                                .lanewise(VectorOperators.AND, TWO_BITS))
                        .reinterpretShape(I, 0);
                long db = out + (long) (b * QK_K + s * SUB_BLOCK) * Float.BYTES;
                for (int quad = 0; quad < 4; quad++) {
                    IntVector pairs = ChunkTranspose.PAIRS.lanewise(VectorOperators.ADD,
                            IntVector.broadcast(I, ChunkTranspose.HALF * (quad >> 1)));
                    IntVector quads = ChunkTranspose.QUADS.lanewise(VectorOperators.ADD,
                            IntVector.broadcast(I, ChunkTranspose.HALF * (quad & 1)));
                    IntVector low = quads.selectFrom(pairs.selectFrom(f0, f1), pairs.selectFrom(f2, f3));
                    IntVector high = quads.selectFrom(pairs.selectFrom(f4, f5), pairs.selectFrom(f6, f7));
                    for (int part = 0; part < ChunkTranspose.QUAD_ROWS; part++) {
                        int r = ChunkTranspose.QUAD_ROWS * quad + part;
                        FloatVector scale = FloatVector.broadcast(F, rowScale(w, wb, r, s));
                        for (int span = 0; span < SPANS; span++) {
                            ((FloatVector) COLUMN_INTS.lanewise(VectorOperators.ADD,
                                            IntVector.broadcast(I, 4 * part + I.length() * span))
                                    .selectFrom(low, high)
                                    .lanewise(VectorOperators.LSHL, COLUMN_SHIFT)
                                    .lanewise(VectorOperators.ASHR, SIXTEEN)
                                    .convert(VectorOperators.I2F, 0))
                                    .lanewise(VectorOperators.MUL, scale)
                                    .intoMemorySegment(dst, db + r * rowFloats
                                            + (long) span * F.length() * Float.BYTES, LE);
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
            throw MatmulText.narrowVectors(DType.Q6_K, S.vectorBitSize(), Q6_KMatmul.class);
        }
        dot(w, scales, nb, act, ar, y, yo);
    }

    /**
     * The group's rows times one prepared activation row, a pair of sub-blocks (32 columns) per pass.
     *
     * @param group byte offset of the group
     * @param nb    super-blocks per row
     */
    private static void dot(MemorySegment w, long group, int nb, MemorySegment act, long ar, MemorySegment y,
                            long yo) {
        // The rows' sums accumulate in the output, not in vectors carried round the loops, and the loops step offsets
        // to ends tested with !=, for the reasons given in Q4_KInterleavedMatmul.dot. A pair of sub-blocks per pass
        // halves the scaling per column and stays below 2^24 (class comment).
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
            int p = 0;
            while (aq != aqEnd) {
                // The eight fields of each sub-block written out, as the chunks of Q4_KInterleavedMatmul.dot.
                ShortVector v0 = ShortVector.fromMemorySegment(S, w, wq, LE);
                ShortVector v1 = ShortVector.fromMemorySegment(S, w, wq + PLANE_BYTES, LE);
                ShortVector v2 = ShortVector.fromMemorySegment(S, w, wq + 2 * PLANE_BYTES, LE);
                ShortVector first = v0.lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq)).reinterpretShape(S, 0));
                first = first.lanewise(VectorOperators.ADD, v0.lanewise(VectorOperators.LSHL, 6).lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 4)).reinterpretShape(S, 0)));
                first = first.lanewise(VectorOperators.ADD, v1.lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 8)).reinterpretShape(S, 0)));
                first = first.lanewise(VectorOperators.ADD, v1.lanewise(VectorOperators.LSHL, 6).lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 12)).reinterpretShape(S, 0)));
                first = first.lanewise(VectorOperators.ADD, v2.lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 16)).reinterpretShape(S, 0)));
                first = first.lanewise(VectorOperators.ADD, v2.lanewise(VectorOperators.LSHL, 6).lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 20)).reinterpretShape(S, 0)));
                first = first.lanewise(VectorOperators.ADD, v0.lanewise(VectorOperators.LSHL, 12).lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.OR, v2.lanewise(VectorOperators.AND, TWO_BITS))
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 24)).reinterpretShape(S, 0)));
                first = first.lanewise(VectorOperators.ADD, v1.lanewise(VectorOperators.LSHL, 12).lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.OR, v2.lanewise(VectorOperators.LSHR, 2).lanewise(VectorOperators.AND, TWO_BITS))
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 28)).reinterpretShape(S, 0)));
                v0 = ShortVector.fromMemorySegment(S, w, wq + SUB_BLOCK_BYTES, LE);
                v1 = ShortVector.fromMemorySegment(S, w, wq + SUB_BLOCK_BYTES + PLANE_BYTES, LE);
                v2 = ShortVector.fromMemorySegment(S, w, wq + SUB_BLOCK_BYTES + 2 * PLANE_BYTES, LE);
                ShortVector second = v0.lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 32)).reinterpretShape(S, 0));
                second = second.lanewise(VectorOperators.ADD, v0.lanewise(VectorOperators.LSHL, 6).lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 36)).reinterpretShape(S, 0)));
                second = second.lanewise(VectorOperators.ADD, v1.lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 40)).reinterpretShape(S, 0)));
                second = second.lanewise(VectorOperators.ADD, v1.lanewise(VectorOperators.LSHL, 6).lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 44)).reinterpretShape(S, 0)));
                second = second.lanewise(VectorOperators.ADD, v2.lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 48)).reinterpretShape(S, 0)));
                second = second.lanewise(VectorOperators.ADD, v2.lanewise(VectorOperators.LSHL, 6).lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 52)).reinterpretShape(S, 0)));
                second = second.lanewise(VectorOperators.ADD, v0.lanewise(VectorOperators.LSHL, 12).lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.OR, v2.lanewise(VectorOperators.AND, TWO_BITS))
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 56)).reinterpretShape(S, 0)));
                second = second.lanewise(VectorOperators.ADD, v1.lanewise(VectorOperators.LSHL, 12).lanewise(VectorOperators.ASHR, 10)
                        .lanewise(VectorOperators.OR, v2.lanewise(VectorOperators.LSHR, 2).lanewise(VectorOperators.AND, TWO_BITS))
                        .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, aq + 60)).reinterpretShape(S, 0)));
                // A row's two int16 lanes summed in its int32 lane, times the sub-block's scale: byte 2 (p % 2) of the
                // rows' scale int p / 2 for the first sub-block, the next byte for the second. A load 2 (p % 2) bytes
                // into the int puts them in the lane's low two bytes, each then moved to the top and shifted back
                // down with its sign.
                IntVector scales = IntVector.fromMemorySegment(I, w,
                        wb + SCALES + (p >> 1) * SCALE_INTS + 2 * (p & 1), LE);
                IntVector pairs = (IntVector) first.reinterpretShape(I, 0);
                IntVector products = pairs.lanewise(VectorOperators.LSHL, SIXTEEN)
                        .lanewise(VectorOperators.ASHR, SIXTEEN)
                        .lanewise(VectorOperators.ADD, pairs.lanewise(VectorOperators.ASHR, SIXTEEN))
                        .lanewise(VectorOperators.MUL, scales.lanewise(VectorOperators.LSHL, TWENTY_FOUR)
                                .lanewise(VectorOperators.ASHR, TWENTY_FOUR));
                pairs = (IntVector) second.reinterpretShape(I, 0);
                products = products.lanewise(VectorOperators.ADD, pairs.lanewise(VectorOperators.LSHL, SIXTEEN)
                        .lanewise(VectorOperators.ASHR, SIXTEEN)
                        .lanewise(VectorOperators.ADD, pairs.lanewise(VectorOperators.ASHR, SIXTEEN))
                        .lanewise(VectorOperators.MUL, scales.lanewise(VectorOperators.LSHL, SIXTEEN)
                                .lanewise(VectorOperators.ASHR, TWENTY_FOUR)));
                ((FloatVector) products.convert(VectorOperators.I2F, 0))
                        .lanewise(VectorOperators.FMA, d, FloatVector.fromMemorySegment(F, y, yo, LE))
                        .intoMemorySegment(y, yo, LE);
                p++;
                wq += PAIR_BYTES;
                aq += 4L * SUB_BLOCK;
            }
            wb += GROUP_BLOCK_BYTES;
            ab += Q8_KActivations.BLOCK_BYTES;
        }
    }

    private static int[] columnInts() {
        int[] idx = new int[I.length()];
        for (int i = 0; i < idx.length; i++) {
            int column = i % SUB_BLOCK;
            idx[i] = column < 8 ? column / 2 : I.length() + (column - 8) / 2;
        }
        return idx;
    }

    private static int[] columnShifts() {
        int[] shifts = new int[I.length()];
        for (int i = 0; i < shifts.length; i++) {
            shifts[i] = i % 2 == 0 ? 16 : 0;
        }
        return shifts;
    }
}
