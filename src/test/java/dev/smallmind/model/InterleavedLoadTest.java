package dev.smallmind.model;

import dev.smallmind.SharedData;
import dev.smallmind.kernels.InterleavedWeights;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Opening an F32, Q4_0, Q8_0, Q5_0, Q4_K or Q6_K model interleaves its projections where the kernel exists, the same bytes
 * whether one thread packs them or several, and a bad block scale is named.
 */
class InterleavedLoadTest {
    /** One model per weight type with an interleaving kernel. */
    static Stream<Arguments> models() {
        return Stream.of(Arguments.of(DType.F32, "models/synthetic/mini-f32.gguf"),
                Arguments.of(DType.Q4_0, "models/synthetic/mini-q4_0.gguf"),
                Arguments.of(DType.Q8_0, "models/synthetic/mini-q8_0.gguf"),
                Arguments.of(DType.Q5_0, "models/synthetic/mini-q5_0.gguf"),
                Arguments.of(DType.Q4_K, "models/synthetic/mini-q4_k_m.gguf"),
                Arguments.of(DType.Q6_K, "models/synthetic/mini-q6_k.gguf"));
    }

    private static void assumeInterleaved(DType type) {
        assumeTrue(MatmulKernels.forProjection(type) instanceof InterleavedWeights,
                "no interleaved " + type + " kernel in this JVM");
    }

    @ParameterizedTest
    @MethodSource("models")
    void projectionsAreInterleavedAndTheEmbeddingIsNot(DType type, String file) throws IOException {
        assumeInterleaved(type);
        try (Model model = Model.open(SharedData.require(file))) {
            LayerWeights layer = model.weights().layers()[0];
            assertTrue(layer.q().interleaved() && layer.gate().interleaved() && layer.down().interleaved());
            assertFalse(model.weights().tokenEmbedding().interleaved());
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void twoThreadsPackTheBytesOneThreadPacks(DType type, String file) throws IOException {
        assumeInterleaved(type);
        Path path = SharedData.require(file);
        try (Model one = Model.open(path);
             WorkerPool two = new WorkerPool(2);
             Model split = Model.open(path, two)) {
            List<Tensor> expected = projections(one);
            List<Tensor> actual = projections(split);
            assertEquals(expected.size(), actual.size());
            int interleaved = 0;
            for (int i = 0; i < expected.size(); i++) {
                Tensor e = expected.get(i);
                Tensor a = actual.get(i);
                long bytes = Tensor.byteSize(e.type(), e.shape());
                assertEquals(e.interleaved(), a.interleaved(), e.name());
                assertEquals(-1, MemorySegment.mismatch(e.segment(), e.offset(), e.offset() + bytes,
                        a.segment(), a.offset(), a.offset() + bytes), e.name() + ": first differing byte");
                interleaved += e.interleaved() && e.shape().dim(0) > 16 ? 1 : 0;
            }
            assertTrue(interleaved > 0, "no interleaved matrix of two or more groups to split");
        }
    }

    /** The interleaved copies live in memory nobody zeroed ({@code UnzeroedMemory}): packing must write every byte. */
    @ParameterizedTest
    @MethodSource("models")
    void packingWritesEveryByteOfItsDestination(DType type, String file) throws IOException {
        assumeInterleaved(type);
        InterleavedWeights kernel = (InterleavedWeights) MatmulKernels.forProjection(type);
        try (GgufFile gguf = GgufFile.open(SharedData.require(file)); Arena arena = Arena.ofConfined()) {
            Tensor up = gguf.tensor("blk.0.ffn_up.weight");
            assertEquals(type, up.type());
            long bytes = Tensor.byteSize(up.type(), up.shape());
            MemorySegment a = arena.allocate(bytes).fill((byte) 0xAA);
            MemorySegment b = arena.allocate(bytes).fill((byte) 0x55);
            int k = (int) up.shape().last();
            int rows = (int) up.shape().dim(0);
            kernel.pack(up.segment(), up.offset(), k, rows, a, 0);
            kernel.pack(up.segment(), up.offset(), k, rows, b, 0);
            assertEquals(-1, a.mismatch(b), "first byte the packing left as it was");
        }
    }

    private static List<Tensor> projections(Model model) {
        List<Tensor> all = new ArrayList<>();
        for (LayerWeights layer : model.weights().layers()) {
            layer.withProjections(t -> {
                all.add(t);
                return t;
            });
        }
        all.add(model.weights().output());
        return all;
    }

    /** A bad scale in the first group's first row, or in the last block of the last group, which the second thread packs. */
    @ParameterizedTest
    @CsvSource({"Q4_0, models/synthetic/mini-q4_0.gguf, 1", "Q8_0, models/synthetic/mini-q8_0.gguf, 1",
            "Q5_0, models/synthetic/mini-q5_0.gguf, 1", "Q4_K, models/synthetic/mini-q4_k_m.gguf, 1",
            "Q4_0, models/synthetic/mini-q4_0.gguf, 2", "Q4_K, models/synthetic/mini-q4_k_m.gguf, 2",
            "Q6_K, models/synthetic/mini-q6_k.gguf, 1", "Q6_K, models/synthetic/mini-q6_k.gguf, 2"})
    void aBlockScaleThatIsNotFiniteIsRefusedWithTheTensorName(DType type, String file, int threads, @TempDir Path dir)
            throws IOException {
        assumeInterleaved(type);
        Path copy = dir.resolve("bad-scale.gguf");
        Files.copy(SharedData.require(file), copy);
        long scale;
        try (GgufFile gguf = GgufFile.open(copy)) {
            Tensor up = gguf.tensor("blk.1.ffn_up.weight");
            long block = threads == 1 ? type.blockBytes() * 5L : up.shape().dim(0) * up.rowBytes() - type.blockBytes();
            // Q6_K keeps its fp16 d at the end of a block, the others at its start.
            long d = type == DType.Q6_K ? type.blockBytes() - 2 : 0;
            scale = gguf.dataOffset() + gguf.tensorInfo("blk.1.ffn_up.weight").offset() + block + d;
        }
        try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
            f.seek(scale);
            f.write(new byte[] {0x00, 0x7E});
        }
        ModelLoadException e;
        try (WorkerPool pool = new WorkerPool(threads)) {
            e = assertThrows(ModelLoadException.class, () -> Model.open(copy, pool).close());
        }
        assertTrue(e.getMessage().contains("blk.1.ffn_up.weight") && e.getMessage().contains("NaN")
                && e.getMessage().contains("at byte " + scale), e.getMessage());
    }
}
