package dev.smallmind.kernels.matmul;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Scalar twin of {@link Q4_0Matmul}: nibbles, low halves first, minus 8. */
public final class Q4_0MatmulReference extends ScaledBlockMatmulReference {
    /** Creates the reference kernel. */
    public Q4_0MatmulReference() {
        super(DType.Q4_0);
    }

    /** Element {@code e} of the block at {@code wb}, as the signed integer {@code q - 8}. */
    @Override
    int quant(MemorySegment w, long wb, int e) {
        int packed = w.get(ValueLayout.JAVA_BYTE, wb + 2 + (e & 15)) & 0xFF;
        return (e < 16 ? packed & 0xF : packed >>> 4) - 8;
    }
}
