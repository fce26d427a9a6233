package dev.smallmind.model.synth;

import dev.smallmind.kernels.quant.Q4_0Quantizer;
import dev.smallmind.kernels.quant.Q4_1Quantizer;
import dev.smallmind.kernels.quant.Q4_KQuantizer;
import dev.smallmind.kernels.quant.Q5_0Quantizer;
import dev.smallmind.kernels.quant.Q5_1Quantizer;
import dev.smallmind.kernels.quant.Q5_KQuantizer;
import dev.smallmind.kernels.quant.Q6_KQuantizer;
import dev.smallmind.kernels.quant.Q8_0Quantizer;
import dev.smallmind.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Row encoders of the quantized weight types, backed by the reference quantizers (byte-exact with ggml's).
 * The float row is staged in native memory so the quantizers only ever see off-heap segments.
 */
final class Quantizers {
    /** A quantizer's entry point: {@code (src, srcOffset, dst, dstOffset, n)}. */
    private interface Quantize {
        void row(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int n);
    }

    private Quantizers() {
    }

    static RowEncoder encoder(DType type) {
        Quantize q = switch (type) {
            case Q8_0 -> Q8_0Quantizer::quantizeRow;
            case Q4_0 -> Q4_0Quantizer::quantizeRow;
            case Q4_1 -> Q4_1Quantizer::quantizeRow;
            case Q5_0 -> Q5_0Quantizer::quantizeRow;
            case Q5_1 -> Q5_1Quantizer::quantizeRow;
            case Q4_K -> Q4_KQuantizer::quantizeRow;
            case Q5_K -> Q5_KQuantizer::quantizeRow;
            case Q6_K -> Q6_KQuantizer::quantizeRow;
            default -> throw new IllegalArgumentException("no quantizer for " + type);
        };
        return new RowEncoder() {
            private MemorySegment staging = MemorySegment.NULL;

            @Override
            public void encode(float[] src, MemorySegment dst, long offset) {
                if (staging.byteSize() < 4L * src.length) {
                    staging = Arena.ofAuto().allocate(4L * src.length, 64);
                }
                MemorySegment.copy(src, 0, staging, ValueLayout.JAVA_FLOAT, 0, src.length);
                q.row(staging, 0, dst, offset, src.length);
            }
        };
    }
}
