package dev.smallmind.kernels;

import jdk.incubator.vector.FloatVector;

import java.util.Optional;

/**
 * Whether this JVM runs every kernel with hardware vectors. The F32, F16, BF16, Q4_K, Q5_K and Q6_K products are
 * written for 512-bit vectors (16-token panels and 4 x 16 transposes in the F32 GEMM, 32 int16 lanes matching
 * the Q8_K activation layout); the other kernels use the preferred width. Where the preferred width is smaller
 * (a CPU without AVX-512, or {@code -XX:UseAVX=2}), C2 does not intrinsify 512-bit species: those products run
 * the Vector API's Java fallback, allocating on every call. Measured with {@code -XX:UseAVX=2} on the Zen 4 test
 * machine: small-preset F32 decode 11 tok/s instead of about 400, 6 MB of heap per token on stories260K.
 */
public final class VectorHardware {
    /** The vector width, in bits, that the 512-bit kernels need. */
    public static final int KERNEL_BITS = 512;

    private VectorHardware() {
    }

    /** @return the width of this JVM's preferred float vector, in bits */
    public static int preferredBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }

    /** @return a warning for the user when some kernels run without hardware vectors here, else empty */
    public static Optional<String> shortfall() {
        int bits = preferredBits();
        if (bits >= KERNEL_BITS) {
            return Optional.empty();
        }
        return Optional.of("this JVM's vectors are " + bits + " bits wide (FloatVector.SPECIES_PREFERRED); the F32, "
                + "F16, BF16, Q4_K, Q5_K and Q6_K kernels need " + KERNEL_BITS + "-bit vectors (AVX-512) and run "
                + "here unaccelerated, tens of times slower and allocating on every call (no zero-GC decode); "
                + "Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1 run at full speed");
    }
}
