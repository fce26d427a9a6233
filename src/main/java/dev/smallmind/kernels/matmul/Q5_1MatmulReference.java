package dev.smallmind.kernels.matmul;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Scalar twin of {@link Q5_1Matmul}: unsigned nibbles plus a fifth bit. */
public final class Q5_1MatmulReference extends ScaledOffsetBlockMatmulReference {
    /** Creates the reference kernel. */
    public Q5_1MatmulReference() {
        super(DType.Q5_1);
    }

    /** Element {@code e} of the block at {@code wb}, the unsigned 5-bit quant. */
    @Override
    int quant(MemorySegment w, long wb, int e) {
        int packed = w.get(ValueLayout.JAVA_BYTE, wb + 8 + (e & 15)) & 0xFF;
        int low = e < 16 ? packed & 0xF : packed >>> 4;
        int fifth = (w.get(ValueLayout.JAVA_INT_UNALIGNED, wb + 4) >>> e) & 1;
        return low | fifth << 4;
    }
}
