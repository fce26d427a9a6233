package dev.smallmind.kernels;

import dev.smallmind.ChildJvm;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class VectorHardwareTest {
    @Test
    void warnsExactlyWhenPreferredVectorsAreNarrowerThanTheKernels() {
        assertEquals(VectorHardware.preferredBits() < VectorHardware.KERNEL_BITS,
                VectorHardware.shortfall().isPresent());
    }

    /** An x86 JVM limited to AVX2 (as on a CPU without AVX-512) names the kernels that lose their vectors. */
    @Test
    void anAvx2JvmIsWarned() throws IOException, InterruptedException {
        String arch = System.getProperty("os.arch");
        assumeTrue(arch.equals("amd64") || arch.equals("x86_64"), "UseAVX is an x86 flag; this is " + arch);
        String text = ChildJvm.run(ShortfallPrinter.class, List.of("-XX:UseAVX=2"), List.of(), 60);
        assertTrue(text.contains("vectors are 256 bits wide") && text.contains("Q6_K"), text);
    }

    /** Prints {@link VectorHardware#shortfall()} in a JVM of its own. */
    static final class ShortfallPrinter {
        public static void main(String[] args) {
            System.out.println(VectorHardware.shortfall().orElse("no shortfall"));
        }
    }
}
