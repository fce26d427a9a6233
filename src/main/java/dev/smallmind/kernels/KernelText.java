package dev.smallmind.kernels;

/**
 * The failure messages of the kernels that run in every step, kept out of those classes: HotSpot resolves, and so
 * allocates, every String constant of a class on the thread that first asks C2 to compile one of its methods, which
 * can be a step long after the warm-up (a first long prompt's step allocated the 104 bytes of {@link Attention}'s
 * one message; docs/architecture.md, "Zero allocation and the JIT: String constants"). This class runs only when a
 * call is wrong.
 */
final class KernelText {
    private KernelText() {
    }

    static IllegalArgumentException floatsOutside(Operand name, long count, long offset, long segmentBytes) {
        return new IllegalArgumentException(name + ": " + count + " floats at byte offset " + offset
                + " do not fit in a segment of " + segmentBytes + " bytes");
    }

    static IllegalArgumentException elementsOutside(Operand name, long count, int elementBytes, long offset,
                                                    long segmentBytes) {
        return new IllegalArgumentException(name + ": " + count + " elements of " + elementBytes
                + " bytes at byte offset " + offset + " do not fit in a segment of " + segmentBytes + " bytes");
    }

    static IllegalArgumentException notPositive(Operand name, long count) {
        return new IllegalArgumentException(name + " must be >= 1, got " + count);
    }

    static IllegalArgumentException negativeRowStride(long kRowBytes, long vRowBytes) {
        return new IllegalArgumentException("attention: negative cache row stride (K " + kRowBytes + ", V "
                + vRowBytes + " bytes)");
    }

    static IllegalArgumentException negativePosition(int position) {
        return new IllegalArgumentException("negative cache position " + position);
    }

    static IllegalArgumentException beyondHalf(Operand what, float x, int element, int position) {
        return new IllegalArgumentException(what + " element " + element + " at cache position " + position + " is "
                + x + ", beyond the F16 range of the KV cache (65504)");
    }

    static IllegalArgumentException attentionRows(int rows, int most) {
        return new IllegalArgumentException("attention rows must be 1 to " + most + ", got " + rows);
    }

    static IllegalArgumentException partStart(int from, int multiple) {
        return new IllegalArgumentException("a part must start at a non-negative multiple of " + multiple
                + " positions, got " + from);
    }

    static IllegalArgumentException emptyParts(int parts) {
        return new IllegalArgumentException("attention of " + parts + " parts that are all empty");
    }

    static IllegalArgumentException blockedHeadSize(int headDim, int multiple) {
        return new IllegalArgumentException("blocked attention needs a head size that is a multiple of " + multiple
                + ", got " + headDim);
    }

    static AssertionError softmaxSpecies(Object floats, Object doubles) {
        return new AssertionError("softmax widens one float vector into two double vectors; species " + floats
                + " and " + doubles + " do not fit that");
    }

    static IllegalArgumentException ropePosition(int pos, int maxPos) {
        return new IllegalArgumentException("RoPE: position " + pos + " outside the table's [0, " + maxPos + ")");
    }

    static IllegalArgumentException ropeDimensions(int heads, int headDim, int ropeDim) {
        return new IllegalArgumentException("RoPE: " + heads + " heads of " + headDim + " dimensions cannot rotate "
                + ropeDim + " dimensions each");
    }

    static IllegalArgumentException ropeTableLength(int maxPos) {
        return new IllegalArgumentException("RoPE table: maxPos must be >= 1, got " + maxPos);
    }

    static IllegalArgumentException ropeTableDimensions(int ropeDim) {
        return new IllegalArgumentException("RoPE table: ropeDim must be even and >= 2, got " + ropeDim);
    }

    static IllegalArgumentException ropeTableBase(float freqBase) {
        return new IllegalArgumentException("RoPE table: freqBase must be positive and finite, got " + freqBase);
    }

    static IllegalArgumentException ropeTablePairing() {
        return new IllegalArgumentException("RoPE table: pairing is null");
    }
}
