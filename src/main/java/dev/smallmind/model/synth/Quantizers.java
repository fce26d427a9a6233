package dev.smallmind.model.synth;

import dev.smallmind.tensor.DType;

/** Row encoders of the quantized weight types, backed by the kernels' reference quantizers. */
final class Quantizers {
    private Quantizers() {
    }

    static RowEncoder encoder(DType type) {
        throw new IllegalArgumentException("no quantizer for " + type);
    }
}
