package dev.smallmind.model.synth;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Stores a row of floats in a weight type (quantizing where the type is quantized). */
interface RowEncoder {
    /**
     * @param src    the row
     * @param dst    destination
     * @param offset byte offset of the row in {@code dst}
     */
    void encode(float[] src, MemorySegment dst, long offset);

    /**
     * @param type a weight type the writer supports
     * @return its encoder
     */
    static RowEncoder of(DType type) {
        return switch (type) {
            case F32 -> (src, dst, off) -> MemorySegment.copy(src, 0, dst, ValueLayout.JAVA_FLOAT_UNALIGNED, off,
                    src.length);
            case F16 -> (src, dst, off) -> {
                for (int i = 0; i < src.length; i++) {
                    dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, off + 2L * i, Float.floatToFloat16(src[i]));
                }
            };
            case BF16 -> (src, dst, off) -> {
                for (int i = 0; i < src.length; i++) {
                    int bits = Float.floatToRawIntBits(src[i]);
                    int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
                    dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, off + 2L * i, (short) rounded);
                }
            };
            default -> Quantizers.encoder(type);
        };
    }
}
