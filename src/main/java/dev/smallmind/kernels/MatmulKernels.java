package dev.smallmind.kernels;

import dev.smallmind.tensor.DType;

/** Finds the {@link MatmulKernel} for a weight type. */
public final class MatmulKernels {
    private MatmulKernels() {
    }

    /**
     * @param type weight type
     * @return its Vector API kernel
     * @throws IllegalArgumentException when the engine has no kernel for it
     */
    public static MatmulKernel forType(DType type) {
        throw new IllegalArgumentException("no matmul kernel for weight type " + type);
    }
}
