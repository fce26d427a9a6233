package dev.smallmind.kernels.matmul;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Scalar twin of {@link Q8_0Matmul}: signed bytes. */
public final class Q8_0MatmulReference extends ScaledBlockMatmulReference {
    /** Creates the reference kernel. */
    public Q8_0MatmulReference() {
        super(DType.Q8_0);
    }

    @Override
    int quant(MemorySegment w, long wb, int e) {
        return w.get(ValueLayout.JAVA_BYTE, wb + 2 + e);
    }
}
