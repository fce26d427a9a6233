package dev.smallmind.kernels;

import com.sun.management.HotSpotDiagnosticMXBean;
import jdk.incubator.vector.FloatVector;

import java.lang.management.ManagementFactory;
import java.util.Optional;

/**
 * Whether this JVM runs every kernel with hardware vectors. The kernels take their width from the preferred species
 * (512 bits with AVX-512, 256 with AVX2, 128 with NEON or SSE), with two limits:
 * <ul>
 *   <li>The Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1 products take a block half as whole float vectors of at least 8 lanes,
 *       so they need 256-bit vectors; with 128-bit vectors {@link MatmulKernels} leaves them out, and a model of
 *       those types is refused at load with the list of types that run.</li>
 *   <li>Without fused multiply-add in hardware ({@code -XX:UseFMA} off, as on x86 CPUs without FMA or with
 *       {@code -XX:UseAVX=0}) C2 does not intrinsify the Vector API's {@code fma}: every kernel runs the Java
 *       fallback, tens of times slower and allocating on every call.</li>
 * </ul>
 */
public final class VectorHardware {
    /** The narrowest preferred vector, in bits, at which every weight type has a kernel. */
    public static final int ALL_KERNELS_BITS = 256;

    private VectorHardware() {
    }

    /** @return the width of this JVM's preferred float vector, in bits */
    public static int preferredBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }

    /** @return whether the legacy quant products (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) can run at this width */
    public static boolean legacyQuantKernels() {
        return preferredBits() >= ALL_KERNELS_BITS;
    }

    /**
     * @return whether this JVM runs on 64-bit ARM, whose 32 vector registers (NEON, SVE) keep kernels shaped for
     *         AVX-512's register count even at narrower widths
     */
    public static boolean arm() {
        return "aarch64".equals(System.getProperty("os.arch"));
    }

    /** @return whether the JVM compiles vector fused multiply-adds to hardware instructions */
    public static boolean hardwareFma() {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        return vm == null || !"false".equals(vm.getVMOption("UseFMA").getValue());
    }

    /**
     * Whether C2 compiles Vector API code here without speculative types from method-handle call sites: the JVM
     * runs with {@code -XX:TypeProfileLevel} profiling neither arguments nor return values there (the last two
     * digits 0, as {@code -XX:TypeProfileLevel=0}, which the launcher and the tests pass). With the default (111)
     * the interleaved Q4_0 kernel was compiled, in about one JVM in three, with an FMA left as boxing Java code
     * (24 MB per token); docs/architecture.md, "Speculative types and the Vector API".
     *
     * @return whether kernels that depend on it may run
     */
    public static boolean exactVectorTyping() {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        if (vm == null) {
            return false;
        }
        try {
            return Integer.parseInt(vm.getVMOption("TypeProfileLevel").getValue()) % 100 == 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** @return a warning for the user when some kernels are missing or run without hardware vectors, else empty */
    public static Optional<String> shortfall() {
        if (!hardwareFma()) {
            return Optional.of("this JVM has no hardware fused multiply-add (UseFMA is off: a CPU without FMA, or "
                    + "-XX:UseAVX=0); every kernel runs unaccelerated, tens of times slower and allocating on "
                    + "every call (no zero-GC decode)");
        }
        if (!legacyQuantKernels()) {
            return Optional.of("this JVM's vectors are " + preferredBits() + " bits wide "
                    + "(FloatVector.SPECIES_PREFERRED); the Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1 kernels need "
                    + ALL_KERNELS_BITS + "-bit vectors and are not available here; F32, F16, BF16, Q4_K, Q5_K "
                    + "and Q6_K models run");
        }
        return Optional.empty();
    }
}
