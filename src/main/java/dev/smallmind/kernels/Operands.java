package dev.smallmind.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Up-front checks of kernel operands, so that a bad call fails with a message naming the operand before any
 * memory is written (a vector loop would otherwise throw half-way, leaving a partly written output). The checks
 * are O(1) and build strings only on failure ({@link KernelText}), so kernels stay allocation-free.
 */
final class Operands {
    private Operands() {
    }

    /**
     * @param name    operand name used in the message
     * @param segment memory holding the operand
     * @param offset  byte offset of the first float
     * @param count   number of floats the kernel will touch
     * @throws IllegalArgumentException when {@code [offset, offset + 4 * count)} is not inside the segment
     */
    static void requireFloats(Operand name, MemorySegment segment, long offset, long count) {
        if (offset < 0 || count < 0 || count > (Long.MAX_VALUE - offset) / Float.BYTES
                || offset + count * Float.BYTES > segment.byteSize()) {
            throw KernelText.floatsOutside(name, count, offset, segment.byteSize());
        }
    }

    /**
     * @param name         operand name used in the message
     * @param segment      memory holding the operand
     * @param offset       byte offset of the first element
     * @param count        number of elements the kernel will touch
     * @param elementBytes bytes per element (2 for F16, 4 for F32)
     * @throws IllegalArgumentException when {@code [offset, offset + elementBytes * count)} is not inside the
     *                                  segment
     */
    static void requireElements(Operand name, MemorySegment segment, long offset, long count, int elementBytes) {
        if (offset < 0 || count < 0 || count > (Long.MAX_VALUE - offset) / elementBytes
                || offset + count * elementBytes > segment.byteSize()) {
            throw KernelText.elementsOutside(name, count, elementBytes, offset, segment.byteSize());
        }
    }

    /**
     * @param name  what the count counts, used in the message
     * @param count a length that must be positive
     * @throws IllegalArgumentException when {@code count < 1}
     */
    static void requirePositive(Operand name, long count) {
        if (count < 1) {
            throw KernelText.notPositive(name, count);
        }
    }
}
