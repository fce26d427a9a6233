package dev.smallmind.kernels.quant;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;

/** The argument checks every row quantizer makes before touching memory. */
final class QuantizerArguments {
    private QuantizerArguments() {
    }

    static void check(DType type, MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int n) {
        if (n < 0 || n % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + " row length " + n + " is not a multiple of " + type.blockSize());
        }
        long srcBytes = (long) n * Float.BYTES;
        if (srcOffset < 0 || srcOffset > src.byteSize() - srcBytes) {
            throw new IllegalArgumentException(type + " quantizer: source needs bytes [" + srcOffset + ", "
                    + (srcOffset + srcBytes) + ") but has " + src.byteSize());
        }
        long dstBytes = type.rowBytes(n);
        if (dstOffset < 0 || dstOffset > dst.byteSize() - dstBytes) {
            throw new IllegalArgumentException(type + " quantizer: destination needs bytes [" + dstOffset + ", "
                    + (dstOffset + dstBytes) + ") but has " + dst.byteSize());
        }
    }
}
