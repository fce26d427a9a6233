package dev.smallmind.model;

import dev.smallmind.SharedData;
import dev.smallmind.kernels.InterleavedWeights;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Opening a Q4_0, Q8_0, Q5_0 or Q4_K model interleaves its projections where the kernel exists, and a bad block scale
 * is named.
 */
class InterleavedLoadTest {
    @ParameterizedTest
    @CsvSource({"Q4_0, models/synthetic/mini-q4_0.gguf", "Q8_0, models/synthetic/mini-q8_0.gguf",
            "Q5_0, models/synthetic/mini-q5_0.gguf", "Q4_K, models/synthetic/mini-q4_k_m.gguf"})
    void projectionsAreInterleavedAndTheEmbeddingIsNot(DType type, String file) throws IOException {
        assumeTrue(MatmulKernels.forProjection(type) instanceof InterleavedWeights,
                "no interleaved " + type + " kernel in this JVM");
        try (Model model = Model.open(SharedData.require(file))) {
            LayerWeights layer = model.weights().layers()[0];
            assertTrue(layer.q().interleaved() && layer.gate().interleaved() && layer.down().interleaved());
            assertFalse(model.weights().tokenEmbedding().interleaved());
        }
    }

    @ParameterizedTest
    @CsvSource({"Q4_0, models/synthetic/mini-q4_0.gguf", "Q8_0, models/synthetic/mini-q8_0.gguf",
            "Q5_0, models/synthetic/mini-q5_0.gguf", "Q4_K, models/synthetic/mini-q4_k_m.gguf"})
    void aBlockScaleThatIsNotFiniteIsRefusedWithTheTensorName(DType type, String file, @TempDir Path dir)
            throws IOException {
        assumeTrue(MatmulKernels.forProjection(type) instanceof InterleavedWeights,
                "no interleaved " + type + " kernel in this JVM");
        Path copy = dir.resolve("bad-scale.gguf");
        Files.copy(SharedData.require(file), copy);
        long scale;
        try (GgufFile gguf = GgufFile.open(copy)) {
            scale = gguf.dataOffset() + gguf.tensorInfo("blk.1.ffn_up.weight").offset() + type.blockBytes() * 5L;
        }
        try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
            f.seek(scale);
            f.write(new byte[] {0x00, 0x7E});
        }
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Model.open(copy).close());
        assertTrue(e.getMessage().contains("blk.1.ffn_up.weight") && e.getMessage().contains("NaN"),
                e.getMessage());
    }
}
