package dev.smallmind.kernels;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-XX:UseAVX=2");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ShortfallPrinter.class.getName());
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        assertTrue(text.contains("vectors are 256 bits wide") && text.contains("Q6_K"), text);
    }

    /** Prints {@link VectorHardware#shortfall()} in a JVM of its own. */
    static final class ShortfallPrinter {
        public static void main(String[] args) {
            System.out.println(VectorHardware.shortfall().orElse("no shortfall"));
        }
    }
}
