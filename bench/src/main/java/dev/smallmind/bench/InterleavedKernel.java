package dev.smallmind.bench;

import dev.smallmind.kernels.InterleavedWeights;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.tensor.DType;

/** The kernel models multiply a type's projections with when the weights are interleaved at load. */
final class InterleavedKernel {
    private InterleavedKernel() {
    }

    /**
     * @param type weight type
     * @return the interleaved kernel this JVM registers for {@code type}
     * @throws IllegalStateException where it has none (vector width, or the JVM flags models need)
     */
    static MatmulKernel of(DType type) {
        MatmulKernel kernel = MatmulKernels.forProjection(type);
        if (!(kernel instanceof InterleavedWeights)) {
            throw new IllegalStateException("this JVM has no interleaved " + type + " kernel (projections run "
                    + kernel.getClass().getSimpleName() + "); see docs/architecture.md, \"Vector width\"");
        }
        return kernel;
    }
}
