package dev.smallmind.model.gguf;

import dev.smallmind.SharedData;
import dev.smallmind.json.Json;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Shape;
import dev.smallmind.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads the shared GGUF files and checks what the reader reports against facts recorded independently. */
class GgufFileTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void stories260kHeaderMatchesSources() throws IOException {
        try (GgufFile f = GgufFile.open(SharedData.require("models/stories260K.gguf"))) {
            assertEquals(3, f.version());
            assertEquals(19, f.keys().size());
            assertEquals(48, f.tensors().size());
            assertEquals(32, f.alignment());
            assertFalse(f.has("general.alignment"));
            assertEquals(14_176, f.dataOffset());
            assertEquals(1_185_376, f.fileSize());
            assertEquals("llama", f.string("general.architecture"));
            assertEquals("llama", f.string("general.name"));
            assertEquals(64, f.integer("llama.embedding_length"));
            assertEquals(172, f.integer("llama.feed_forward_length"));
            assertEquals(5, f.integer("llama.block_count"));
            assertEquals(8, f.integer("llama.attention.head_count"));
            assertEquals(4, f.integer("llama.attention.head_count_kv"));
            assertEquals(8, f.integer("llama.rope.dimension_count"));
            assertEquals(2048, f.integer("llama.context_length"));
            assertEquals(1e-5, f.number("llama.attention.layer_norm_rms_epsilon"), 1e-12);
            assertEquals(10000.0, f.number("llama.rope.freq_base", 10000.0));
            assertFalse(f.bool("tokenizer.ggml.add_bos_token", false));
            assertEquals(1, f.integer("tokenizer.ggml.bos_token_id"));
            assertEquals(2, f.integer("tokenizer.ggml.eos_token_id"));
            assertEquals(0, f.integer("tokenizer.ggml.unknown_token_id"));
            assertEquals(0xFFFF_FFFFL, f.integer("tokenizer.ggml.seperator_token_id"));
            assertEquals(GgufType.UINT32, f.value("tokenizer.ggml.padding_token_id").type());
            assertEquals("llama", f.string("tokenizer.ggml.model"));
        }
    }

    @Test
    void stories260kVocabularyMatchesSources() throws IOException {
        try (GgufFile f = GgufFile.open(SharedData.require("models/stories260K.gguf"))) {
            String[] tokens = f.stringArray("tokenizer.ggml.tokens");
            float[] scores = f.floatArray("tokenizer.ggml.scores");
            int[] types = f.intArray("tokenizer.ggml.token_type");
            assertEquals(512, tokens.length);
            assertEquals(512, scores.length);
            assertEquals(512, types.length);
            assertEquals("<unk>", tokens[0]);
            assertEquals("<s>", tokens[1]);
            assertEquals("</s>", tokens[2]);
            assertEquals("<0x00>", tokens[3]);
            assertEquals("<0xFF>", tokens[258]);
            for (int id = 259; id < 512; id++) {
                assertEquals(-(id - 259), scores[id], 0.0f, "score of token " + id);
            }
            int[] histogram = new int[7];
            for (int t : types) {
                histogram[t]++;
            }
            assertEquals(253, histogram[1]);
            assertEquals(256, histogram[6]);
            assertEquals(2, histogram[3]);
            assertEquals(1, histogram[2]);
        }
    }

    @Test
    void stories260kTensorTable() throws IOException {
        try (GgufFile f = GgufFile.open(SharedData.require("models/stories260K.gguf"))) {
            List<GgufTensorInfo> ts = f.tensors();
            assertEquals("token_embd.weight", ts.get(0).name());
            assertArrayEquals(new long[] {64, 512}, ts.get(0).dims());
            assertEquals(Shape.of(512, 64), ts.get(0).shape());
            assertEquals(0, ts.get(0).offset());
            assertEquals(64 * 512 * 4, ts.get(0).byteSize());
            Set<String> expected = new HashSet<>(List.of("token_embd.weight", "output_norm.weight", "output.weight"));
            Map<String, long[]> blockDims = Map.of("attn_q", new long[] {64, 64}, "attn_k", new long[] {64, 32},
                    "attn_v", new long[] {64, 32}, "attn_output", new long[] {64, 64}, "attn_norm", new long[] {64},
                    "ffn_gate", new long[] {64, 172}, "ffn_down", new long[] {172, 64},
                    "ffn_up", new long[] {64, 172}, "ffn_norm", new long[] {64});
            for (int b = 0; b < 5; b++) {
                for (Map.Entry<String, long[]> e : blockDims.entrySet()) {
                    String name = "blk." + b + "." + e.getKey() + ".weight";
                    expected.add(name);
                    assertArrayEquals(e.getValue(), f.tensorInfo(name).dims(), name);
                }
            }
            Set<String> actual = new HashSet<>();
            long end = 0;
            for (GgufTensorInfo t : ts) {
                actual.add(t.name());
                assertEquals(DType.F32, t.type(), t.name());
                assertEquals(t.elements() * 4, t.byteSize(), t.name());
                end = Math.max(end, f.dataOffset() + t.offset() + t.byteSize());
            }
            assertEquals(expected, actual);
            assertEquals(f.fileSize(), end, "data ends exactly at the end of the file");
            assertArrayEquals(new long[] {64, 512}, f.tensorInfo("output.weight").dims());
            assertNull(f.tensorInfo("no.such.tensor"));
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> f.tensor("no.such.tensor"));
            assertTrue(e.getMessage().contains("'no.such.tensor'"), e.getMessage());
        }
    }

    @Test
    void stories260kTiedOutputEqualsEmbeddingByteForByte() throws IOException {
        try (GgufFile f = GgufFile.open(SharedData.require("models/stories260K.gguf"))) {
            Tensor embd = f.tensor("token_embd.weight");
            Tensor out = f.tensor("output.weight");
            assertEquals(Shape.of(512, 64), embd.shape());
            assertEquals(DType.F32, embd.type());
            assertTrue(embd.segment().isNative());
            long bytes = 512L * 64 * 4;
            assertEquals(-1, MemorySegment.mismatch(embd.segment(), embd.offset(), embd.offset() + bytes,
                    out.segment(), out.offset(), out.offset() + bytes));
            assertTrue(f.dataOffset() + f.tensorInfo("output.weight").offset() == out.offset());
        }
    }

    /** The legacy llama2.c file holds the same weights: header of 7 ints, then token_embedding[512*64]. */
    @Test
    void stories260kEmbeddingEqualsLlama2cCheckpoint() throws IOException {
        Path bin = SharedData.require("models/stories260K.bin");
        try (GgufFile f = GgufFile.open(SharedData.require("models/stories260K.gguf"))) {
            Tensor embd = f.tensor("token_embd.weight");
            MemorySegment legacy = MemorySegment.ofArray(Files.readAllBytes(bin));
            for (long i : new long[] {0, 1, 63, 64, 1000, 512 * 64 - 1}) {
                float expected = legacy.get(F32, 7 * 4 + i * 4);
                assertEquals(Float.floatToRawIntBits(expected),
                        Float.floatToRawIntBits(embd.segment().get(F32, embd.offset() + i * 4)), "element " + i);
            }
            Tensor finalNorm = f.tensor("output_norm.weight");
            long rmsFinal = 7 * 4 + 4L * (512 * 64 + 5 * 64 + 5 * 64 * 64 + 2 * 5 * 32 * 64 + 5 * 64 * 64 + 5 * 64
                    + 3 * 5 * 172 * 64);
            for (int i = 0; i < 64; i++) {
                assertEquals(legacy.get(F32, rmsFinal + i * 4L),
                        finalNorm.segment().get(F32, finalNorm.offset() + i * 4L), "rms_final " + i);
            }
        }
    }

    @Test
    void llama2TinyRandomMatchesSources() throws IOException {
        try (GgufFile f = GgufFile.open(SharedData.require("models/llama-2-tiny-random.gguf"))) {
            assertEquals(3, f.version());
            assertEquals(18, f.keys().size());
            assertEquals(12, f.tensors().size());
            assertEquals(32, f.alignment());
            assertEquals(724_416, f.dataOffset());
            assertEquals("LLaMA v2", f.string("general.name"));
            assertEquals(1, f.integer("general.file_type"));
            assertEquals(8, f.integer("llama.embedding_length"));
            assertEquals(1, f.integer("llama.block_count"));
            assertEquals(4096, f.integer("llama.context_length"));
            assertEquals(32_000, f.stringArray("tokenizer.ggml.tokens").length);
            GgufTensorInfo embd = f.tensorInfo("token_embd.weight");
            assertEquals(DType.F16, embd.type());
            assertArrayEquals(new long[] {8, 32_000}, embd.dims());
            assertEquals(DType.F16, f.tensorInfo("output.weight").type());
            for (String norm : List.of("blk.0.attn_norm.weight", "blk.0.ffn_norm.weight", "output_norm.weight")) {
                Tensor t = f.tensor(norm);
                assertEquals(DType.F32, t.type());
                assertEquals(Shape.of(8), t.shape());
                for (int i = 0; i < 8; i++) {
                    assertEquals(1.0f, t.segment().get(F32, t.offset() + i * 4L), norm);
                }
            }
            Tensor e = f.tensor("token_embd.weight");
            double sum2 = 0;
            for (long i = 0; i < 8 * 1000; i++) {
                float v = Float.float16ToFloat(e.segment().get(F16, e.offset() + 2 * i));
                assertTrue(Float.isFinite(v));
                sum2 += v * v;
            }
            double std = Math.sqrt(sum2 / 8000);
            assertTrue(std > 0.01 && std < 0.04, "std of random weights is about 0.02, got " + std);
        }
    }

    @Test
    void llama2TinyRandomVocabEqualsLlamaSpmVocab() throws IOException {
        try (GgufFile model = GgufFile.open(SharedData.require("models/llama-2-tiny-random.gguf"));
             GgufFile vocab = GgufFile.open(SharedData.require("vocab/ggml-vocab-llama-spm.gguf"))) {
            assertArrayEquals(vocab.stringArray("tokenizer.ggml.tokens"), model.stringArray("tokenizer.ggml.tokens"));
            assertArrayEquals(vocab.floatArray("tokenizer.ggml.scores"), model.floatArray("tokenizer.ggml.scores"));
            assertArrayEquals(vocab.intArray("tokenizer.ggml.token_type"),
                    model.intArray("tokenizer.ggml.token_type"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void syntheticMiniModelsMatchModelsJson() throws IOException {
        Path json = SharedData.require("models/synthetic/models.json");
        Map<String, Object> models = (Map<String, Object>) ((Map<String, Object>) Json.parse(
                Files.readString(json))).get("models");
        assertEquals(11, models.size());
        for (Map.Entry<String, Object> entry : models.entrySet()) {
            Map<String, Object> m = (Map<String, Object>) entry.getValue();
            Path file = SharedData.require("models/synthetic/" + m.get("file"));
            try (GgufFile f = GgufFile.open(file)) {
                String ctx = entry.getKey();
                assertEquals(3, f.version(), ctx);
                assertEquals(((Number) m.get("bytes")).longValue(), f.fileSize(), ctx);
                assertEquals(((Number) m.get("data_start")).longValue(), f.dataOffset(), ctx);
                assertEquals(32, f.alignment(), ctx);
                assertEquals(GgufType.UINT32, f.value("general.alignment").type(), ctx);
                assertEquals(m.get("kv_order"), f.keys(), ctx);
                assertEquals(m.get("general.name"), f.string("general.name"), ctx);
                assertEquals(((Number) m.get("general.file_type")).longValue(), f.integer("general.file_type"), ctx);
                Map<String, Object> hp = (Map<String, Object>) m.get("hparams");
                for (Map.Entry<String, Object> h : hp.entrySet()) {
                    Number expected = (Number) h.getValue();
                    double actual = f.number("llama." + h.getKey());
                    assertEquals(expected.doubleValue(), actual, 0.0, ctx + " " + h.getKey());
                }
                List<Object> tensors = (List<Object>) m.get("tensors");
                assertEquals(tensors.size(), f.tensors().size(), ctx);
                long end = 0;
                for (int i = 0; i < tensors.size(); i++) {
                    List<Object> t = (List<Object>) tensors.get(i);
                    GgufTensorInfo info = f.tensors().get(i);
                    assertEquals(t.get(0), info.name(), ctx);
                    assertEquals(t.get(1), info.type().ggmlName(), ctx + " " + info.name());
                    long[] dims = ((List<Object>) t.get(2)).stream().mapToLong(o -> ((Number) o).longValue())
                            .toArray();
                    assertArrayEquals(dims, info.dims(), ctx + " " + info.name());
                    assertEquals(0, info.offset() % 32, ctx + " " + info.name());
                    end = Math.max(end, f.dataOffset() + info.offset() + info.byteSize());
                    f.tensor(info.name());
                }
                assertEquals(f.fileSize(), end, ctx + ": data ends at the end of the file");
                for (GgufTensorInfo info : f.tensors()) {
                    if (info.name().endsWith("_norm.weight") && info.type() == DType.F32) {
                        Tensor t = f.tensor(info.name());
                        for (long i = 0; i < info.elements(); i++) {
                            assertEquals(1.0f, t.segment().get(F32, t.offset() + 4 * i), ctx + " " + info.name());
                        }
                    }
                }
            }
        }
    }

    @Test
    void everySharedGgufOpens() throws IOException {
        List<Path> files = new ArrayList<>();
        for (String dir : List.of("models", "models/synthetic", "vocab")) {
            try (Stream<Path> s = Files.list(SharedData.require(dir))) {
                s.filter(p -> p.toString().endsWith(".gguf")).sorted().forEach(files::add);
            }
        }
        assertEquals(25, files.size(), "found " + files);
        for (Path p : files) {
            try (GgufFile f = GgufFile.open(p)) {
                assertEquals(3, f.version(), p.toString());
                assertTrue(f.keys().size() > 10, p.toString());
                if (f.tensors().isEmpty()) {
                    assertTrue(f.has("tokenizer.ggml.tokens"), p + " is vocab-only");
                }
                for (GgufTensorInfo t : f.tensors()) {
                    Tensor view = f.tensor(t.name());
                    assertEquals(t.shape(), view.shape());
                }
            }
        }
    }

    @Test
    void vocabOnlyFileEndsRightAfterMetadata() throws IOException {
        try (GgufFile f = GgufFile.open(SharedData.require("vocab/ggml-vocab-gpt-2.gguf"))) {
            assertEquals(0, f.tensors().size());
            assertEquals(1_766_807, f.fileSize());
            assertEquals(16, f.keys().size());
            assertEquals("gpt2", f.string("general.architecture"));
            assertEquals("gpt2", f.string("tokenizer.ggml.model"));
            assertEquals(50_257, f.stringArray("tokenizer.ggml.tokens").length);
            assertEquals(50_000, f.stringArray("tokenizer.ggml.merges").length);
            assertEquals(50256, f.integer("tokenizer.ggml.bos_token_id"));
            assertEquals(50256, f.integer("tokenizer.ggml.eos_token_id"));
            assertEquals(12, f.integer("gpt2.block_count"));
            assertEquals(768, f.integer("gpt2.embedding_length"));
            assertEquals(1024, f.integer("gpt2.context_length"));
        }
        try (GgufFile f = GgufFile.open(SharedData.require("vocab/ggml-vocab-llama-spm.gguf"))) {
            assertEquals(723_869, f.fileSize());
            assertEquals(32_000, f.stringArray("tokenizer.ggml.tokens").length);
            assertTrue(f.bool("tokenizer.ggml.add_bos_token", false));
            assertFalse(f.bool("tokenizer.ggml.add_eos_token", true));
            assertEquals("default", f.string("tokenizer.ggml.pre"));
            assertEquals(32, f.integer("llama.block_count"));
        }
    }

    @Test
    void typedGettersNameTheKeyOnMissingOrWrongType() throws IOException {
        try (GgufFile f = GgufFile.open(SharedData.require("models/stories260K.gguf"))) {
            GgufFormatException missing = assertThrows(GgufFormatException.class, () -> f.integer("llama.nope"));
            assertTrue(missing.getMessage().contains("'llama.nope'"), missing.getMessage());
            assertTrue(missing.getMessage().startsWith(f.path() + ": at offset 24: "), missing.getMessage());
            assertEquals(7, f.integer("llama.nope", 7));
            assertEquals("x", f.string("llama.nope", "x"));

            GgufValue arch = f.value("general.architecture");
            GgufFormatException wrong = assertThrows(GgufFormatException.class, () -> f.integer("general.architecture"));
            assertEquals(arch.offset(), wrong.offset());
            assertTrue(wrong.getMessage().contains("expected an integer type, got STRING"), wrong.getMessage());
            assertThrows(GgufFormatException.class, () -> f.string("llama.block_count"));
            assertThrows(GgufFormatException.class, () -> f.number("general.architecture"));
            assertThrows(GgufFormatException.class, () -> f.bool("llama.block_count", true));
            assertThrows(GgufFormatException.class, () -> f.stringArray("tokenizer.ggml.scores"));
            assertThrows(GgufFormatException.class, () -> f.floatArray("tokenizer.ggml.tokens"));
            assertThrows(GgufFormatException.class, () -> f.intArray("tokenizer.ggml.scores"));
            assertThrows(GgufFormatException.class, () -> f.intArray("llama.block_count"));
        }
    }

    @Test
    void closeUnmapsOnceAndInvalidatesViews() throws IOException {
        GgufFile f = GgufFile.open(SharedData.require("models/stories260K.gguf"));
        Tensor t = f.tensor("output_norm.weight");
        assertTrue(Float.isFinite(t.segment().get(F32, t.offset())));
        f.close();
        f.close();
        assertThrows(IllegalStateException.class, () -> t.segment().get(ValueLayout.JAVA_BYTE, t.offset()));
    }

    @Test
    void valuesKeepTheirFileTypes() throws IOException {
        try (GgufFile f = GgufFile.open(SharedData.require("models/stories260K.gguf"))) {
            GgufValue tokens = f.value("tokenizer.ggml.tokens");
            assertEquals(GgufType.ARRAY, tokens.type());
            assertEquals(GgufType.STRING, tokens.elementType());
            assertEquals(512, tokens.length());
            assertEquals(GgufType.FLOAT32, f.value("tokenizer.ggml.scores").elementType());
            assertEquals(GgufType.INT32, f.value("tokenizer.ggml.token_type").elementType());
            assertEquals(Arrays.asList(f.keys().toArray()), f.keys());
            assertThrows(UnsupportedOperationException.class, () -> f.keys().clear());
            assertThrows(UnsupportedOperationException.class, () -> f.tensors().clear());
            f.stringArray("tokenizer.ggml.tokens")[0] = "changed";
            assertEquals("<unk>", f.stringArray("tokenizer.ggml.tokens")[0]);
        }
    }
}
