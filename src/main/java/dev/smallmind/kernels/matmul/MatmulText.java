package dev.smallmind.kernels.matmul;

import dev.smallmind.tensor.DType;

/**
 * The failure messages of the matmul kernels that run in every step, kept out of those classes for the reason
 * {@code KernelText} gives: a String constant of a kernel class is allocated by whichever step first has C2 compile
 * one of the class's methods. This class runs only when packing or a call is wrong.
 */
final class MatmulText {
    private MatmulText() {
    }

    static IllegalArgumentException notWholeGroups(int rows, int group) {
        return new IllegalArgumentException(rows + " rows are not whole groups of " + group);
    }

    static IllegalArgumentException rowsTooLong(DType type, int k, long rowBytes, int group) {
        return new IllegalArgumentException("rows of " + k + " " + type + " values (" + rowBytes
                + " bytes) are too long to interleave in groups of " + group);
    }

    static IllegalArgumentException nonFiniteScale(DType type, boolean dmin, long offset, float value) {
        return new IllegalArgumentException(type + " super-block " + (dmin ? "dmin" : "d") + " at byte " + offset
                + " is " + value);
    }

    static UnsupportedOperationException narrowVectors(DType type, int bits, Class<?> fallback) {
        return new UnsupportedOperationException("the interleaved " + type + " product needs 256- or 512-bit vectors;"
                + " this JVM's are " + bits + " bits (models run " + fallback.getSimpleName() + " here)");
    }

    static UnsupportedOperationException rowNotDecodable(DType type, int group) {
        return new UnsupportedOperationException(type + " rows interleaved in groups of " + group
                + " are decoded by decodeRows");
    }

    static AssertionError placedTwice(int element) {
        return new AssertionError("element " + element + " placed twice");
    }
}
