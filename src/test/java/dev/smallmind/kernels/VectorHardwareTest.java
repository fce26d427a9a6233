package dev.smallmind.kernels;

import dev.smallmind.profile.ChildJvm;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class VectorHardwareTest {
    @Test
    void warnsExactlyWhenAKernelIsMissingOrUnaccelerated() {
        assertEquals(VectorHardware.preferredBits() < VectorHardware.ALL_KERNELS_BITS
                        || !VectorHardware.hardwareFma(), VectorHardware.shortfall().isPresent());
        assertEquals(VectorHardware.legacyQuantKernels(), MatmulKernels.supported().contains(DType.Q8_0));
    }

    /**
     * An x86 JVM limited to AVX2 (as on a CPU without AVX-512) has every kernel, the interleaved ones included, and no
     * warning.
     */
    @Test
    void anAvx2JvmRunsEveryKernel() throws IOException, InterruptedException {
        assumeX86();
        String text = ChildJvm.run(ShortfallPrinter.class, List.of("-XX:UseAVX=2"), List.of(), 60);
        assertTrue(text.contains("no shortfall") && text.contains("Q4_0") && text.contains("Q6_K")
                && text.contains("Q4_0 projections: Q4_0InterleavedMatmul")
                && text.contains("Q8_0 projections: Q8_0InterleavedMatmul")
                && text.contains("Q5_0 projections: Q5_0InterleavedMatmul")
                && text.contains("Q4_K projections: Q4_KInterleavedMatmul")
                && text.contains("Q6_K projections: Q6_KInterleavedMatmul"), text);
    }

    /**
     * The interleaved kernels run only where C2 types Vector API code without speculation from method-handle
     * call sites (this JVM has the engine's {@code -XX:TypeProfileLevel=0}); with the JVM's default the projections
     * run the GGUF-row kernel.
     */
    @Test
    void theInterleavedKernelNeedsExactVectorTyping() throws IOException, InterruptedException {
        assumeTrue(VectorHardware.legacyQuantKernels(), "no Q4_0 kernel at this width");
        assertTrue(VectorHardware.exactVectorTyping(), "the tests run with -XX:TypeProfileLevel=0");
        assertEquals("Q4_0InterleavedMatmul", MatmulKernels.forProjection(DType.Q4_0).getClass().getSimpleName());
        assertEquals("Q8_0InterleavedMatmul", MatmulKernels.forProjection(DType.Q8_0).getClass().getSimpleName());
        assertEquals("Q5_0InterleavedMatmul", MatmulKernels.forProjection(DType.Q5_0).getClass().getSimpleName());
        assertEquals("Q4_KInterleavedMatmul", MatmulKernels.forProjection(DType.Q4_K).getClass().getSimpleName());
        assertEquals("Q6_KInterleavedMatmul", MatmulKernels.forProjection(DType.Q6_K).getClass().getSimpleName());
        String text = ChildJvm.run(ShortfallPrinter.class, List.of("-XX:TypeProfileLevel=111"), List.of(), 60);
        assertTrue(text.contains("Q4_0 projections: Q4_0Matmul") && text.contains("Q8_0 projections: Q8_0Matmul")
                && text.contains("Q4_K projections: Q4_KMatmul") && text.contains("Q6_K projections: Q6_KMatmul"),
                text);
    }

    /**
     * 128-bit vectors (NEON's width, here with FMA) leave the legacy quant kernels out, and say so; the K-quants run
     * over GGUF rows.
     */
    @Test
    void a128BitJvmLeavesTheLegacyQuantsOut() throws IOException, InterruptedException {
        assumeX86();
        String text = ChildJvm.run(ShortfallPrinter.class, List.of("-XX:MaxVectorSize=16"), List.of(), 60);
        String types = text.substring(text.lastIndexOf('['));
        assertTrue(text.contains("vectors are 128 bits wide") && !types.contains("Q4_0") && types.contains("Q6_K")
                && text.contains("Q6_K projections: Q6_KMatmul"), text);
    }

    /** Without FMA every kernel falls back to Java, and the warning says so. */
    @Test
    void aJvmWithoutFmaIsWarned() throws IOException, InterruptedException {
        assumeX86();
        String text = ChildJvm.run(ShortfallPrinter.class, List.of("-XX:-UseFMA"), List.of(), 60);
        assertTrue(text.contains("no hardware fused multiply-add"), text);
    }

    private static void assumeX86() {
        String arch = System.getProperty("os.arch");
        assumeTrue(arch.equals("amd64") || arch.equals("x86_64"), "UseAVX is an x86 flag; this is " + arch);
    }

    /** Prints {@link VectorHardware#shortfall()} and the weight types with a kernel, in a JVM of its own. */
    static final class ShortfallPrinter {
        public static void main(String[] args) {
            System.out.println(VectorHardware.shortfall().orElse("no shortfall"));
            for (DType type : new DType[] {DType.Q4_0, DType.Q8_0, DType.Q5_0, DType.Q4_K, DType.Q6_K}) {
                if (MatmulKernels.supported().contains(type)) {
                    System.out.println(type + " projections: "
                            + MatmulKernels.forProjection(type).getClass().getSimpleName());
                }
            }
            System.out.println(new java.util.TreeSet<>(MatmulKernels.supported()));
        }
    }
}
