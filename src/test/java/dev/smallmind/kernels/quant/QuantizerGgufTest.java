package dev.smallmind.kernels.quant;

import dev.smallmind.SharedData;
import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.model.gguf.GgufTensorInfo;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Byte-exactness on real files: every tensor of the mini models that ggml quantized from mini-f32's values
 * (make_gguf for q8_0/q4_0, checked identical to {@code llama-quantize --pure}; llama-quantize for q4_1/q5_0)
 * must come out of our quantizer with the very same bytes.
 */
class QuantizerGgufTest {
    private interface RowQuantizer {
        void quantizeRow(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int n);
    }

    static Stream<Arguments> files() {
        // quantized tensors per file: token_embd, the 21 block matrices, and output unless llama-quantize made it q6_K
        return Stream.of(
                Arguments.of("mini-q8_0.gguf", DType.Q8_0, (RowQuantizer) Q8_0Quantizer::quantizeRow, 23),
                Arguments.of("mini-q4_0.gguf", DType.Q4_0, (RowQuantizer) Q4_0Quantizer::quantizeRow, 23),
                Arguments.of("mini-q4_1.gguf", DType.Q4_1, (RowQuantizer) Q4_1Quantizer::quantizeRow, 22),
                Arguments.of("mini-q5_0.gguf", DType.Q5_0, (RowQuantizer) Q5_0Quantizer::quantizeRow, 22));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void quantizingMiniF32ReproducesTheFile(String file, DType type, RowQuantizer quantizer, int expectedTensors)
            throws IOException {
        try (GgufFile f32 = GgufFile.open(SharedData.require("models/synthetic/mini-f32.gguf"));
             GgufFile quantized = GgufFile.open(SharedData.require("models/synthetic/" + file));
             Arena arena = Arena.ofShared()) {
            int compared = 0;
            for (GgufTensorInfo info : quantized.tensors()) {
                if (info.type() != type) {
                    continue;
                }
                Tensor source = f32.tensor(info.name()).requireType(DType.F32);
                Tensor expected = quantized.tensor(info.name());
                assertEquals(source.shape(), expected.shape(), info.name());
                long elements = source.shape().elements();
                long bytes = type.rowBytes(elements);
                MemorySegment out = arena.allocate(bytes, 64);
                quantizer.quantizeRow(source.segment(), source.offset(), out, 0, Math.toIntExact(elements));
                long mismatch = out.mismatch(expected.segment().asSlice(expected.offset(), bytes));
                assertEquals(-1, mismatch, () -> info.name() + ": first differing byte " + mismatch
                        + " (block " + mismatch / type.blockBytes() + ")");
                compared++;
            }
            assertEquals(expectedTensors, compared, "tensors of type " + type + " in " + file);
        }
    }
}
