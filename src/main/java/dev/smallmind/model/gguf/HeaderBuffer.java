package dev.smallmind.model.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable little-endian byte buffer for a GGUF header; headers are small (metadata only), data never goes here. */
final class HeaderBuffer {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private byte[] bytes = new byte[4096];
    private int size;

    int size() {
        return size;
    }

    /** @return the bytes written, viewed without copying */
    MemorySegment segment() {
        return MemorySegment.ofArray(bytes).asSlice(0, size);
    }

    void u8(int v) {
        at(1).set(ValueLayout.JAVA_BYTE, 0, (byte) v);
    }

    void u16(int v) {
        at(2).set(I16, 0, (short) v);
    }

    void u32(int v) {
        at(4).set(I32, 0, v);
    }

    void u64(long v) {
        at(8).set(I64, 0, v);
    }

    void f32(float v) {
        at(4).set(F32, 0, v);
    }

    void f64(double v) {
        at(8).set(F64, 0, v);
    }

    void string(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        u64(utf8.length);
        MemorySegment.copy(utf8, 0, at(utf8.length), ValueLayout.JAVA_BYTE, 0, utf8.length);
    }

    /** Copies a primitive array's elements in little-endian order. */
    void array(Object array, ValueLayout layout, int count) {
        MemorySegment.copy(array, 0, at(Math.multiplyExact(count, (int) layout.byteSize())), layout, 0, count);
    }

    static ValueLayout layoutOf(GgufType type) {
        return switch (type) {
            case UINT8, INT8 -> ValueLayout.JAVA_BYTE;
            case UINT16, INT16 -> I16;
            case UINT32, INT32 -> I32;
            case UINT64, INT64 -> I64;
            case FLOAT32 -> F32;
            case FLOAT64 -> F64;
            default -> throw new IllegalArgumentException(type + " has no fixed-size layout");
        };
    }

    /** Pads with zeros to a multiple of {@code alignment}. */
    void pad(long alignment) {
        int padding = (int) ((alignment - size % alignment) % alignment);
        at(padding);
    }

    private MemorySegment at(int n) {
        if (bytes.length - size < n) {
            long wanted = Math.max((long) bytes.length * 2, (long) size + n);
            if (wanted > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("GGUF header would exceed 2 GB");
            }
            bytes = Arrays.copyOf(bytes, (int) wanted);
        }
        MemorySegment window = MemorySegment.ofArray(bytes).asSlice(size, n);
        size += n;
        return window;
    }
}
