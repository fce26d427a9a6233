package dev.smallmind.kernels.matmul;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Scalar twin of {@link Q5_0Matmul}: nibbles plus a fifth bit from the 32-bit mask, minus 16. */
public final class Q5_0MatmulReference extends ScaledBlockMatmulReference {
    /** Creates the reference kernel. */
    public Q5_0MatmulReference() {
        super(DType.Q5_0);
    }

    /** Element {@code e} of the block at {@code wb}, as the signed integer {@code q - 16}. */
    @Override
    int quant(MemorySegment w, long wb, int e) {
        int packed = w.get(ValueLayout.JAVA_BYTE, wb + 6 + (e & 15)) & 0xFF;
        int low = e < 16 ? packed & 0xF : packed >>> 4;
        int fifth = (w.get(ValueLayout.JAVA_INT_UNALIGNED, wb + 2) >>> e) & 1;
        return (low | fifth << 4) - 16;
    }
}
