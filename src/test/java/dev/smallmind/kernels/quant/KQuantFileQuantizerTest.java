package dev.smallmind.kernels.quant;

import dev.smallmind.SharedData;
import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The K-quant quantizers against llama-quantize's own output: every Q4_K, Q5_K and Q6_K tensor of the mini models
 * was quantized (no importance matrix) from mini-f32's values, so quantizing those values again must give the
 * same bytes, tensor by tensor.
 */
class KQuantFileQuantizerTest {
    private static final String DIR = "models/synthetic/";

    @Test
    void q6kFileIsReproducedByteForByte() throws IOException {
        assertEquals(Map.of(DType.Q6_K, 23), compareAll("mini-q6_k.gguf"));
    }

    @Test
    void q4kmFileIsReproducedByteForByte() throws IOException {
        assertEquals(Map.of(DType.Q4_K, 20, DType.Q6_K, 3), compareAll("mini-q4_k_m.gguf"));
    }

    @Test
    void q5kmFileIsReproducedByteForByte() throws IOException {
        assertEquals(Map.of(DType.Q5_K, 20, DType.Q6_K, 3), compareAll("mini-q5_k_m.gguf"));
    }

    /** @return how many tensors of each type were compared; the F32 norms are skipped */
    private static Map<DType, Integer> compareAll(String quantized) throws IOException {
        Path f32Path = SharedData.require(DIR + "mini-f32.gguf");
        Path qPath = SharedData.require(DIR + quantized);
        Map<DType, Integer> compared = new EnumMap<>(DType.class);
        try (GgufFile f32 = GgufFile.open(f32Path); GgufFile q = GgufFile.open(qPath); Arena arena = Arena.ofConfined()) {
            for (var info : q.tensors()) {
                Tensor expected = q.tensor(info.name());
                if (expected.type() == DType.F32) {
                    continue;
                }
                Tensor source = f32.tensor(info.name()).requireType(DType.F32);
                assertEquals(expected.shape(), source.shape(), info.name());
                int k = (int) source.shape().last();
                long rows = source.shape().rows();
                long rowBytes = expected.type().rowBytes(k);
                MemorySegment out = arena.allocate(rowBytes * rows);
                for (long r = 0; r < rows; r++) {
                    long src = source.offset() + 4L * k * r;
                    long dst = rowBytes * r;
                    switch (expected.type()) {
                        case Q4_K -> Q4_KQuantizer.quantizeRow(source.segment(), src, out, dst, k);
                        case Q5_K -> Q5_KQuantizer.quantizeRow(source.segment(), src, out, dst, k);
                        case Q6_K -> Q6_KQuantizer.quantizeRow(source.segment(), src, out, dst, k);
                        default -> throw new AssertionError(info.name() + ": unexpected type " + expected.type());
                    }
                }
                MemorySegment file = expected.segment().asSlice(expected.offset(), rowBytes * rows);
                long mismatch = file.mismatch(out);
                assertEquals(-1, mismatch, () -> info.name() + " (" + expected.type() + "): first differing byte "
                        + mismatch + " of " + rowBytes * rows + ", in super-block " + mismatch
                        / expected.type().blockBytes());
                compared.merge(expected.type(), 1, Integer::sum);
            }
        }
        return compared;
    }
}
