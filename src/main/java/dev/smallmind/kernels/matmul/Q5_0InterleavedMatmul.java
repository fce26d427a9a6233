package dev.smallmind.kernels.matmul;

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
 * Q5_0 weights interleaved at load in groups of {@link #GROUP} rows, times activations rounded through Q8_0
 * blocks and kept as int16 ({@link Q8_0PairActivations}): {@link Q4_0InterleavedMatmul}'s int16 products, with each
 * nibble's fifth bit taken from a plane of high bits laid out like a chunk.
 *
 * <p>Layout of a group, per block {@code b} (32 columns), the bytes its GGUF blocks take (352 for 16 rows): the
 * rows' fp16 scales; the high bits, 4 bytes per row at {@code 4r}, where int16 lane {@code 2r + e}, bit
 * {@code 4c + n}, is {@code 1 - h} for the column that nibble {@code n} of lane {@code 2r + e} of chunk {@code c}
 * holds; then the 4 chunks of nibbles exactly as {@link Q4_0InterleavedMatmul} lays them out. A quant is
 * {@code nibble - 16 (1 - h)}, in [-16, 15], so 16 products with int8 activations sum in int16 (at most 16 x 16 x
 * 127 = 32512) with no correction term. Registered at 256 and 512 bits, where a group's rows are one int vector:
 * prefill decodes whole groups through {@link ChunkTranspose}, other ranges a row at a time in scalar code. Scalar twin, over the GGUF rows these are packed from: {@link Q5_0MatmulReference}.
 */
public final class Q5_0InterleavedMatmul extends Int16GroupMatmul {
    /** Rows interleaved in one group: 16 at 512 bits, 8 at 256 ({@link GroupPacking#GROUP}). */
    public static final int GROUP = GroupPacking.GROUP;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** The fp16 scales of {@link #ROWS} rows. */
    private static final VectorSpecies<Short> SCALES = VectorSpecies.of(short.class, VectorShape.forBitSize(ROWS * 16));
    // Masks as vectors rather than scalar operands (docs/architecture.md, "Speculative types").
    private static final ShortVector NIBBLE = ShortVector.broadcast(S, (short) 0xF);
    private static final IntVector HALF_MAGNITUDE = IntVector.broadcast(I, 0x7FFF);
    private static final IntVector HALF_SIGN = IntVector.broadcast(I, 0x8000);
    private static final IntVector THIRTEEN = IntVector.broadcast(I, 13);
    private static final IntVector SIXTEEN = IntVector.broadcast(I, 16);
    private static final IntVector NIBBLE_INT = IntVector.broadcast(I, 0xF);
    private static final IntVector BIT_INT = IntVector.broadcast(I, 1);
    private static final IntVector FOUR_INT = IntVector.broadcast(I, 4);
    /**
     * Shift counts and masks for bits taken out of int lanes, both int16 halves at once: an int16 shift by a
     * constant count got its count rematerialized before every vpsrlw (as in Q4_0InterleavedMatmul.dot).
     */
    private static final IntVector TWO_INT = IntVector.broadcast(I, 2);
    private static final IntVector THREE_INT = IntVector.broadcast(I, 3);
    private static final IntVector EIGHT_INT = IntVector.broadcast(I, 8);
    private static final IntVector TWELVE_INT = IntVector.broadcast(I, 12);
    private static final IntVector NIBBLES = IntVector.broadcast(I, 0x000F000F);
    private static final IntVector FIFTH_BITS = IntVector.broadcast(I, 0x00100010);
    /** Per lane {@code i}, the bit of a row's 32 high bits that belongs to column {@code i}. */
    private static final IntVector LOW_FIFTH_SHIFT = IntVector.fromArray(I, fifthBitShifts(0), 0);
    /** The same for column {@code i + 16}. */
    private static final IntVector HIGH_FIFTH_SHIFT = IntVector.fromArray(I, fifthBitShifts(16), 0);
    /** Which columns nibbles 0 to 3 of an int16 lane hold, less {@code 4c + e}. */
    private static final int[] NIBBLE_COLUMNS = {0, 16, 2, 18};
    private static final int HALF = QK / 2;
    private static final int BLOCK_BYTES = 22;
    private static final int GROUP_BLOCK_BYTES = GROUP * BLOCK_BYTES;
    private static final int SCALE_BYTES = GROUP * 2;
    private static final int HIGH_BITS_BYTES = GROUP * 4;
    private static final int CHUNK_BYTES = GROUP * 4;
    /** Offset of the first nibble chunk in a packed block. */
    private static final int CHUNKS = SCALE_BYTES + HIGH_BITS_BYTES;
    /** Offset of the nibbles in a GGUF block (after the scale and the 32 high bits). */
    private static final int QS = 6;
    /** {@code 2^112}: an fp16 value's exponent and mantissa moved into a float's fields, times this, is its value. */
    private static final float HALF_TO_FLOAT = 0x1p112f;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * @return whether this JVM's vectors suit the kernel: 256 or 512 bits, one int lane per row of a group
     *         (prefill's group decoding), else models run {@link Q5_0Matmul}
     */
    public static boolean supported() {
        return ChunkTranspose.preferred() && S.length() == 2 * GROUP;
    }

    @Override
    public DType weightType() {
        return DType.Q5_0;
    }

    /**
     * Rearranges whole groups of GGUF rows into the interleaved layout.
     *
     * @throws IllegalArgumentException when {@code rows} is not a multiple of {@link #GROUP} or a block scale is
     *                                  not finite (its byte offset in {@code src} named)
     */
    @Override
    public void pack(MemorySegment src, long srcOffset, int k, int rows, MemorySegment dst, long dstOffset) {
        GroupPacking.pack(DType.Q5_0, QS, CHUNKS, src, srcOffset, k, rows, dst, dstOffset);
        int nb = k / QK;
        int rowBytes = GroupPacking.rowBytes(DType.Q5_0, k);
        byte[] in = new byte[GROUP * rowBytes];
        byte[] out = new byte[in.length];
        for (int g = 0; g < rows / GROUP; g++) {
            long at = (long) g * in.length;
            MemorySegment.copy(src, BYTE, srcOffset + at, in, 0, in.length);
            MemorySegment.copy(dst, BYTE, dstOffset + at, out, 0, out.length);
            for (int b = 0; b < nb; b++) {
                for (int r = 0; r < GROUP; r++) {
                    int qh = GroupPacking.intAt(in, r * rowBytes + b * BLOCK_BYTES + 2);
                    GroupPacking.putInt(out, b * GROUP_BLOCK_BYTES + SCALE_BYTES + 4 * r, highBitPlane(qh));
                }
            }
            MemorySegment.copy(out, 0, dst, BYTE, dstOffset + at, out.length);
        }
    }

    /** A row's 32 high bits in GGUF order, as the plane's two int16 lanes of the row hold them (inverted). */
    private static int highBitPlane(int qh) {
        int plane = 0;
        for (int e = 0; e < 2; e++) {
            for (int c = 0; c < 4; c++) {
                for (int n = 0; n < 4; n++) {
                    int column = 4 * c + e + NIBBLE_COLUMNS[n];
                    plane |= (1 - ((qh >>> column) & 1)) << (16 * e + 4 * c + n);
                }
            }
        }
        return plane;
    }

    /** Where {@link #highBitPlane} put column {@code column}'s bit. */
    private static int planeBit(int column) {
        int within = column % 4;
        int e = within & 1;
        int n = (column >= 16 ? 1 : 0) + (within >= 2 ? 2 : 0);
        int c = (column % 16) / 4;
        return 16 * e + 4 * c + n;
    }

    private static int[] fifthBitShifts(int firstColumn) {
        int[] shifts = new int[I.length()];
        for (int i = 0; i < shifts.length; i++) {
            shifts[i] = planeBit(firstColumn + i % 16);
        }
        return shifts;
    }

    /** Row {@code lane} of the group at {@code group}, in scalar code (not on the engine's paths). */
    @Override
    void decodeGroupRow(MemorySegment w, long group, int lane, int k, MemorySegment dst, long out) {
        int nb = k / QK;
        for (int b = 0; b < nb; b++) {
            long wb = group + (long) b * GROUP_BLOCK_BYTES;
            float d = Float.float16ToFloat(w.get(SHORT, wb + 2L * lane));
            int plane = w.get(INT, wb + SCALE_BYTES + 4L * lane);
            for (int column = 0; column < QK; column++) {
                int c = (column % 16) / 4;
                int packed = w.get(BYTE, wb + CHUNKS + (long) c * CHUNK_BYTES + 4L * lane
                        + GroupPacking.bytePosition(column % 4)) & 0xFF;
                int nibble = column < 16 ? packed & 0xF : packed >>> 4;
                int q = nibble - 16 * ((plane >>> planeBit(column)) & 1);
                dst.set(FLOAT, out + ((long) b * QK + column) * Float.BYTES, q * d);
            }
        }
    }

    /**
     * Groups {@code [groupFrom, groupTo)}: a block's four chunks are transposed back into rows by two-vector
     * permutes ({@link ChunkTranspose}) and each row's nibbles come out by per-lane shifts, as in
     * {@code Q4_0InterleavedMatmul}; its high bits by per-lane shifts of its plane int (whose bits for columns 8-15
     * are those for 0-7 moved up by 8, so the second span at 256 bits shifts the plane down first).
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
                long qc = wb + CHUNKS;
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
                        int planeBits = w.get(INT, wb + SCALE_BYTES + 4L * r);
                        FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, wb + 2L * r)));
                        for (int span = 0; span < ChunkTranspose.SPANS; span++) {
                            IntVector row = ChunkTranspose.SPREAD.lanewise(VectorOperators.ADD,
                                    IntVector.broadcast(I, 4 * part + ChunkTranspose.QUAD_ROWS * span)).selectFrom(quads);
                            IntVector plane = IntVector.broadcast(I, planeBits >>> (8 * span));
                            long dr = db + r * rowFloats + (long) span * F.length() * Float.BYTES;
                            ((FloatVector) row.lanewise(VectorOperators.LSHR, ChunkTranspose.LOW_NIBBLE_SHIFT)
                                    .lanewise(VectorOperators.AND, NIBBLE_INT)
                                    .lanewise(VectorOperators.SUB, plane.lanewise(VectorOperators.LSHR, LOW_FIFTH_SHIFT)
                                            .lanewise(VectorOperators.AND, BIT_INT).lanewise(VectorOperators.LSHL, FOUR_INT))
                                    .convert(VectorOperators.I2F, 0))
                                    .lanewise(VectorOperators.MUL, d).intoMemorySegment(dst, dr, LE);
                            ((FloatVector) row.lanewise(VectorOperators.LSHR, ChunkTranspose.HIGH_NIBBLE_SHIFT)
                                    .lanewise(VectorOperators.AND, NIBBLE_INT)
                                    .lanewise(VectorOperators.SUB, plane.lanewise(VectorOperators.LSHR, HIGH_FIFTH_SHIFT)
                                            .lanewise(VectorOperators.AND, BIT_INT).lanewise(VectorOperators.LSHL, FOUR_INT))
                                    .convert(VectorOperators.I2F, 0))
                                    .lanewise(VectorOperators.MUL, d).intoMemorySegment(dst, dr + HALF * Float.BYTES, LE);
                        }
                    }
                }
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
     * @param wq     byte offset of the rows' high-bit vector in block 0, less the scales
     * @param scales byte offset of the rows' first scale in block 0
     */
    private static void dot(MemorySegment w, long wq, long scales, int nb, MemorySegment act, long ar, int k,
                            MemorySegment y, long yo) {
        long ad = ar + Q8_0PairActivations.scalesOffset(k);
        // The rows' sums accumulate in the output, not in a vector carried round the block loop, for the reason
        // given in Q4_0InterleavedMatmul.dot.
        FloatVector.zero(F).intoMemorySegment(y, yo, LE);
        // Offsets stepped to an end, not an int counter, for the reason given in Q4_0InterleavedMatmul.dot: 576-wide
        // rows 9.4-9.7 against 7.2-8.7 GB/s (256 rather than 202 instructions per block), 4096-wide on a par.
        long hb = wq + SCALE_BYTES;
        long end = hb + (long) nb * GROUP_BLOCK_BYTES;
        long ab = ar;
        long sb = scales;
        long adb = ad;
        while (hb != end) {
            long wb = hb + HIGH_BITS_BYTES;
            // The four chunks written out, as in Q4_0InterleavedMatmul. Chunk c's high bits are plane bits 4c to
            // 4c + 3, first shifted to bit 4 for nibble 0; a quant is its nibble less 16 times its inverted bit.
            IntVector hi = (IntVector) ShortVector.fromMemorySegment(S, w, hb, LE).reinterpretShape(I, 0);
            ShortVector v = ShortVector.fromMemorySegment(S, w, wb, LE);
            IntVector u = (IntVector) v.reinterpretShape(I, 0);
            IntVector hc = hi.lanewise(VectorOperators.LSHL, FOUR_INT);
            ShortVector sum = v.lanewise(VectorOperators.AND, NIBBLE)
                    .lanewise(VectorOperators.SUB, ((ShortVector) hc.lanewise(VectorOperators.AND, FIFTH_BITS).reinterpretShape(S, 0)))
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab)).reinterpretShape(S, 0));
            sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, FOUR_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.SUB, ((ShortVector) hc.lanewise(VectorOperators.LSHR, BIT_INT).lanewise(VectorOperators.AND, FIFTH_BITS).reinterpretShape(S, 0)))
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 32)).reinterpretShape(S, 0)));
            sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, EIGHT_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.SUB, ((ShortVector) hc.lanewise(VectorOperators.LSHR, TWO_INT).lanewise(VectorOperators.AND, FIFTH_BITS).reinterpretShape(S, 0)))
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 4)).reinterpretShape(S, 0)));
            sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, TWELVE_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.SUB, ((ShortVector) hc.lanewise(VectorOperators.LSHR, THREE_INT).lanewise(VectorOperators.AND, FIFTH_BITS).reinterpretShape(S, 0)))
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 36)).reinterpretShape(S, 0)));
            v = ShortVector.fromMemorySegment(S, w, wb + CHUNK_BYTES, LE);
            u = (IntVector) v.reinterpretShape(I, 0);
            hc = hi;
            sum = sum.lanewise(VectorOperators.ADD, v.lanewise(VectorOperators.AND, NIBBLE)
                    .lanewise(VectorOperators.SUB, ((ShortVector) hc.lanewise(VectorOperators.AND, FIFTH_BITS).reinterpretShape(S, 0)))
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 8)).reinterpretShape(S, 0)));
            sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, FOUR_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.SUB, ((ShortVector) hc.lanewise(VectorOperators.LSHR, BIT_INT).lanewise(VectorOperators.AND, FIFTH_BITS).reinterpretShape(S, 0)))
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 40)).reinterpretShape(S, 0)));
            sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, EIGHT_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.SUB, ((ShortVector) hc.lanewise(VectorOperators.LSHR, TWO_INT).lanewise(VectorOperators.AND, FIFTH_BITS).reinterpretShape(S, 0)))
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 12)).reinterpretShape(S, 0)));
            sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, TWELVE_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.SUB, ((ShortVector) hc.lanewise(VectorOperators.LSHR, THREE_INT).lanewise(VectorOperators.AND, FIFTH_BITS).reinterpretShape(S, 0)))
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 44)).reinterpretShape(S, 0)));
            v = ShortVector.fromMemorySegment(S, w, wb + 2 * CHUNK_BYTES, LE);
            u = (IntVector) v.reinterpretShape(I, 0);
            hc = hi.lanewise(VectorOperators.LSHR, FOUR_INT);
            sum = sum.lanewise(VectorOperators.ADD, v.lanewise(VectorOperators.AND, NIBBLE)
                    .lanewise(VectorOperators.SUB, ((ShortVector) hc.lanewise(VectorOperators.AND, FIFTH_BITS).reinterpretShape(S, 0)))
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 16)).reinterpretShape(S, 0)));
            sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, FOUR_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.SUB, ((ShortVector) hc.lanewise(VectorOperators.LSHR, BIT_INT).lanewise(VectorOperators.AND, FIFTH_BITS).reinterpretShape(S, 0)))
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 48)).reinterpretShape(S, 0)));
            sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, EIGHT_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.SUB, ((ShortVector) hc.lanewise(VectorOperators.LSHR, TWO_INT).lanewise(VectorOperators.AND, FIFTH_BITS).reinterpretShape(S, 0)))
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 20)).reinterpretShape(S, 0)));
            sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, TWELVE_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.SUB, ((ShortVector) hc.lanewise(VectorOperators.LSHR, THREE_INT).lanewise(VectorOperators.AND, FIFTH_BITS).reinterpretShape(S, 0)))
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 52)).reinterpretShape(S, 0)));
            v = ShortVector.fromMemorySegment(S, w, wb + 3 * CHUNK_BYTES, LE);
            u = (IntVector) v.reinterpretShape(I, 0);
            hc = hi.lanewise(VectorOperators.LSHR, EIGHT_INT);
            sum = sum.lanewise(VectorOperators.ADD, v.lanewise(VectorOperators.AND, NIBBLE)
                    .lanewise(VectorOperators.SUB, ((ShortVector) hc.lanewise(VectorOperators.AND, FIFTH_BITS).reinterpretShape(S, 0)))
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 24)).reinterpretShape(S, 0)));
            sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, FOUR_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.SUB, ((ShortVector) hc.lanewise(VectorOperators.LSHR, BIT_INT).lanewise(VectorOperators.AND, FIFTH_BITS).reinterpretShape(S, 0)))
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 56)).reinterpretShape(S, 0)));
            sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, EIGHT_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.SUB, ((ShortVector) hc.lanewise(VectorOperators.LSHR, TWO_INT).lanewise(VectorOperators.AND, FIFTH_BITS).reinterpretShape(S, 0)))
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 28)).reinterpretShape(S, 0)));
            sum = sum.lanewise(VectorOperators.ADD, ((ShortVector) u.lanewise(VectorOperators.LSHR, TWELVE_INT).lanewise(VectorOperators.AND, NIBBLES).reinterpretShape(S, 0))
                    .lanewise(VectorOperators.SUB, ((ShortVector) hc.lanewise(VectorOperators.LSHR, THREE_INT).lanewise(VectorOperators.AND, FIFTH_BITS).reinterpretShape(S, 0)))
                    .lanewise(VectorOperators.MUL, (ShortVector) IntVector.broadcast(I, act.get(INT, ab + 60)).reinterpretShape(S, 0)));
            IntVector pairs = (IntVector) sum.reinterpretShape(I, 0);
            IntVector s = pairs.lanewise(VectorOperators.LSHL, SIXTEEN).lanewise(VectorOperators.ASHR, SIXTEEN)
                    .lanewise(VectorOperators.ADD, pairs.lanewise(VectorOperators.ASHR, SIXTEEN));
            IntVector hs = (IntVector) ShortVector.fromMemorySegment(SCALES, w, sb, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            FloatVector d = ((FloatVector) hs.lanewise(VectorOperators.AND, HALF_MAGNITUDE)
                    .lanewise(VectorOperators.LSHL, THIRTEEN)
                    .lanewise(VectorOperators.OR, hs.lanewise(VectorOperators.AND, HALF_SIGN)
                            .lanewise(VectorOperators.LSHL, SIXTEEN))
                    .reinterpretShape(F, 0))
                    .lanewise(VectorOperators.MUL, FloatVector.broadcast(F, HALF_TO_FLOAT * act.get(FLOAT, adb)));
            ((FloatVector) s.convertShape(VectorOperators.I2F, F, 0))
                    .lanewise(VectorOperators.FMA, d, FloatVector.fromMemorySegment(F, y, yo, LE))
                    .intoMemorySegment(y, yo, LE);
            hb += GROUP_BLOCK_BYTES;
            ab += QK * 2;
            sb += GROUP_BLOCK_BYTES;
            adb += Float.BYTES;
        }
    }
}
