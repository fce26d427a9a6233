package dev.smallmind.kernels;

import dev.smallmind.kernels.matmul.BF16Matmul;
import dev.smallmind.kernels.matmul.F16Matmul;
import dev.smallmind.kernels.matmul.F32InterleavedMatmul;
import dev.smallmind.kernels.matmul.F32Matmul;
import dev.smallmind.kernels.matmul.Q4_0Matmul;
import dev.smallmind.kernels.matmul.Q4_0InterleavedMatmul;
import dev.smallmind.kernels.matmul.Q4_KInterleavedMatmul;
import dev.smallmind.kernels.matmul.Q4_1Matmul;
import dev.smallmind.kernels.matmul.Q4_KMatmul;
import dev.smallmind.kernels.matmul.Q5_0InterleavedMatmul;
import dev.smallmind.kernels.matmul.Q5_0Matmul;
import dev.smallmind.kernels.matmul.Q5_1Matmul;
import dev.smallmind.kernels.matmul.Q5_KMatmul;
import dev.smallmind.kernels.matmul.Q6_KInterleavedMatmul;
import dev.smallmind.kernels.matmul.Q6_KMatmul;
import dev.smallmind.kernels.matmul.Q8_0InterleavedMatmul;
import dev.smallmind.kernels.matmul.Q8_0Matmul;
import dev.smallmind.memory.SegmentImplementations;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Tensor;

import java.util.EnumMap;
import java.util.Map;

/**
 * The Vector API {@link MatmulKernel} of every weight type the engine runs, over GGUF rows ({@link #forType}), and
 * the kernel a model's projections run ({@link #forProjection}): the same, or one reading rows interleaved at load
 * ({@link InterleavedWeights}). Kernels are stateless singletons. With 128-bit vectors the legacy quant kernels are
 * left out ({@link VectorHardware#legacyQuantKernels}).
 */
public final class MatmulKernels {
    private static final Map<DType, MatmulKernel> KERNELS = new EnumMap<>(DType.class);
    private static final Map<DType, MatmulKernel> INTERLEAVED = new EnumMap<>(DType.class);

    static {
        SegmentImplementations.load();
        register(new F32Matmul());
        register(new F16Matmul());
        register(new BF16Matmul());
        if (VectorHardware.legacyQuantKernels()) {
            register(new Q8_0Matmul());
            register(new Q4_0Matmul());
            register(new Q4_1Matmul());
            register(new Q5_0Matmul());
            register(new Q5_1Matmul());
        }
        register(new Q4_KMatmul());
        register(new Q5_KMatmul());
        register(new Q6_KMatmul());
        if (VectorHardware.exactVectorTyping() && F32InterleavedMatmul.supported()) {
            INTERLEAVED.put(DType.F32, new F32InterleavedMatmul());
        }
        if (VectorHardware.legacyQuantKernels() && VectorHardware.exactVectorTyping()) {
            if (Q4_0InterleavedMatmul.supported()) {
                INTERLEAVED.put(DType.Q4_0, new Q4_0InterleavedMatmul());
            }
            if (Q8_0InterleavedMatmul.supported()) {
                INTERLEAVED.put(DType.Q8_0, new Q8_0InterleavedMatmul());
            }
            if (Q5_0InterleavedMatmul.supported()) {
                INTERLEAVED.put(DType.Q5_0, new Q5_0InterleavedMatmul());
            }
            if (Q4_KInterleavedMatmul.supported()) {
                INTERLEAVED.put(DType.Q4_K, new Q4_KInterleavedMatmul());
            }
            if (Q6_KInterleavedMatmul.supported()) {
                INTERLEAVED.put(DType.Q6_K, new Q6_KInterleavedMatmul());
            }
        }
    }

    private MatmulKernels() {
    }

    private static void register(MatmulKernel k) {
        KERNELS.put(k.weightType(), k);
    }

    /**
     * @param type weight type
     * @return its Vector API kernel
     * @throws IllegalArgumentException when the engine has no kernel for it
     */
    public static MatmulKernel forType(DType type) {
        MatmulKernel k = KERNELS.get(type);
        if (k == null) {
            throw new IllegalArgumentException("no matmul kernel for weight type " + type + " (supported: "
                    + KERNELS.keySet() + ")");
        }
        return k;
    }

    /**
     * @param type weight type
     * @return the kernel that multiplies projection weights of this type: one reading rows interleaved at load
     *         (an {@link InterleavedWeights}) where that is faster, else {@link #forType}
     * @throws IllegalArgumentException when the engine has no kernel for it
     */
    public static MatmulKernel forProjection(DType type) {
        MatmulKernel k = INTERLEAVED.get(type);
        return k != null ? k : forType(type);
    }

    /**
     * @param weights a weight matrix, in GGUF rows or interleaved at load ({@link Tensor#interleaved})
     * @return the kernel that reads its layout
     */
    public static MatmulKernel forWeights(Tensor weights) {
        return weights.interleaved() ? forProjection(weights.type()) : forType(weights.type());
    }

    /** @return the weight types with a kernel */
    public static java.util.Set<DType> supported() {
        return java.util.Collections.unmodifiableSet(KERNELS.keySet());
    }
}
