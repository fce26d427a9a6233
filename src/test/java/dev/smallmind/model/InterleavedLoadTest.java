package dev.smallmind.model;

import dev.smallmind.SharedData;
import dev.smallmind.kernels.InterleavedWeights;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Opening a Q4_0 model interleaves its projections where the kernel exists, and a bad block scale is named. */
class InterleavedLoadTest {
    private static final String MODEL = "models/synthetic/mini-q4_0.gguf";

    @Test
    void q4_0ProjectionsAreInterleavedAndTheEmbeddingIsNot() throws IOException {
        assumeTrue(MatmulKernels.forProjection(DType.Q4_0) instanceof InterleavedWeights,
                "no interleaved Q4_0 kernel in this JVM");
        try (Model model = Model.open(SharedData.require(MODEL))) {
            LayerWeights layer = model.weights().layers()[0];
            assertTrue(layer.q().interleaved() && layer.gate().interleaved() && layer.down().interleaved());
            assertFalse(model.weights().tokenEmbedding().interleaved());
        }
    }

    @Test
    void aBlockScaleThatIsNotFiniteIsRefusedWithTheTensorName(@TempDir Path dir) throws IOException {
        assumeTrue(MatmulKernels.forProjection(DType.Q4_0) instanceof InterleavedWeights,
                "no interleaved Q4_0 kernel in this JVM");
        Path copy = dir.resolve("bad-scale.gguf");
        Files.copy(SharedData.require(MODEL), copy);
        long scale;
        try (GgufFile gguf = GgufFile.open(copy)) {
            scale = gguf.dataOffset() + gguf.tensorInfo("blk.1.ffn_up.weight").offset() + 18 * 5;
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
