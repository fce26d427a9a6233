package dev.smallmind.kernels.matmul;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Scalar twin of {@link Q4_1Matmul}: unsigned nibbles, low halves first. */
public final class Q4_1MatmulReference extends ScaledOffsetBlockMatmulReference {
    /** Creates the reference kernel. */
    public Q4_1MatmulReference() {
        super(DType.Q4_1);
    }

    /** Element {@code e} of the block at {@code wb}, the unsigned 4-bit quant. */
    @Override
    int quant(MemorySegment w, long wb, int e) {
        int packed = w.get(ValueLayout.JAVA_BYTE, wb + 4 + (e & 15)) & 0xFF;
        return e < 16 ? packed & 0xF : packed >>> 4;
    }
}
