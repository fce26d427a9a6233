package dev.smallmind.model.gguf;

import dev.smallmind.SharedData;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Shape;
import dev.smallmind.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writes GGUF files and reads them back; re-writing real files must reproduce them byte for byte. */
class GgufWriterTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"models/stories260K.gguf", "models/llama-2-tiny-random.gguf",
            "models/synthetic/mini-q4_k_m.gguf", "models/synthetic/mini-q4_0.gguf", "models/synthetic/mini-q5_k_m.gguf",
            "models/synthetic/mini-bf16.gguf", "vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-gpt-2.gguf",
            "vocab/ggml-vocab-bert-bge.gguf"})
    void rewritingWhatTheReaderParsedReproducesTheFile(String relative) throws IOException {
        Path original = SharedData.require(relative);
        Path copy = tmp.resolve("copy.gguf");
        try (GgufFile src = GgufFile.open(original)) {
            GgufWriter w = new GgufWriter().putAll(src);
            for (GgufTensorInfo t : src.tensors()) {
                w.addTensor(t.name(), t.type(), t.dims(),
                        src.segment().asSlice(src.dataOffset() + t.offset(), t.byteSize()));
            }
            assertEquals(src.alignment(), w.alignment());
            w.write(copy);
        }
        assertEquals(Files.size(original), Files.size(copy));
        assertEquals(-1, Files.mismatch(original, copy), relative + " differs from its re-written copy");
    }

    @Test
    void everyValueTypeRoundTrips() throws IOException {
        GgufValue nested = GgufValue.array(GgufType.ARRAY, new GgufValue[] {
                GgufValue.int32Array(1, 2, 3), GgufValue.stringArray(), GgufValue.array(GgufType.ARRAY,
                new GgufValue[] {GgufValue.array(GgufType.BOOL, new boolean[] {true, false})})});
        GgufWriter w = new GgufWriter()
                .put("u8", GgufValue.uint8(255))
                .put("i8", GgufValue.int8(-128))
                .put("u16", GgufValue.uint16(65535))
                .put("i16", GgufValue.int16(-32768))
                .put("u32", GgufValue.uint32(0xFFFF_FFFFL))
                .put("i32", GgufValue.int32(Integer.MIN_VALUE))
                .put("f32", GgufValue.float32(1.5f))
                .put("bool", GgufValue.bool(true))
                .put("str", GgufValue.string("héllo ▁wörld"))
                .put("empty", GgufValue.string(""))
                .put("u64", GgufValue.uint64(-1L))
                .put("i64", GgufValue.int64(Long.MIN_VALUE))
                .put("f64", GgufValue.float64(Math.PI))
                .put("a.u8", GgufValue.array(GgufType.UINT8, new byte[] {0, (byte) 200}))
                .put("a.i16", GgufValue.array(GgufType.INT16, new short[] {-1, 7}))
                .put("a.u32", GgufValue.array(GgufType.UINT32, new int[] {1, -1}))
                .put("a.u64", GgufValue.array(GgufType.UINT64, new long[] {5, 6}))
                .put("a.f32", GgufValue.floatArray(0.25f, -2f))
                .put("a.f64", GgufValue.array(GgufType.FLOAT64, new double[] {1e300}))
                .put("a.str", GgufValue.stringArray("a", "", "ü"))
                .put("a.nested", nested);
        float[] weights = {1, 2, 3, 4, 5, 6};
        MemorySegment src = MemorySegment.ofArray(new byte[24]);
        for (int i = 0; i < 6; i++) {
            src.set(F32, 4L * i, weights[i]);
        }
        w.addTensor("w", DType.F32, new long[] {3, 2}, src);
        w.addTensor("bias", DType.F32, new long[] {5}, target -> target.fill((byte) 0));
        Path p = tmp.resolve("all.gguf");
        w.write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(3, f.version());
            assertEquals(255, f.integer("u8"));
            assertEquals(-128, f.integer("i8"));
            assertEquals(65535, f.integer("u16"));
            assertEquals(-32768, f.integer("i16"));
            assertEquals(0xFFFF_FFFFL, f.integer("u32"));
            assertEquals(Integer.MIN_VALUE, f.integer("i32"));
            assertEquals(1.5, f.number("f32"));
            assertTrue(f.bool("bool", false));
            assertEquals("héllo ▁wörld", f.string("str"));
            assertEquals("", f.string("empty"));
            assertEquals(-1L, f.value("u64").asLong());
            assertEquals(18446744073709551615.0, f.number("u64"));
            GgufFormatException big = assertThrows(GgufFormatException.class, () -> f.integer("u64"));
            assertTrue(big.getMessage().contains("18446744073709551615"), big.getMessage());
            assertEquals(f.value("u64").offset(), big.offset());
            assertEquals(Long.MIN_VALUE, f.integer("i64"));
            assertEquals(Math.PI, f.number("f64"));
            assertArrayEquals(new int[] {0, 200}, f.intArray("a.u8"));
            assertArrayEquals(new int[] {-1, 7}, f.intArray("a.i16"));
            assertThrows(GgufFormatException.class, () -> f.intArray("a.u32"));
            assertArrayEquals(new int[] {5, 6}, f.intArray("a.u64"));
            assertArrayEquals(new float[] {0.25f, -2f}, f.floatArray("a.f32"));
            assertArrayEquals(new float[] {Float.POSITIVE_INFINITY}, f.floatArray("a.f64"));
            assertArrayEquals(new String[] {"a", "", "ü"}, f.stringArray("a.str"));
            assertEquals(nested, f.value("a.nested"));
            assertEquals(GgufType.UINT32, f.value("a.u32").elementType());
            assertEquals(java.util.List.of("u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "empty",
                    "u64", "i64", "f64", "a.u8", "a.i16", "a.u32", "a.u64", "a.f32", "a.f64", "a.str", "a.nested"),
                    f.keys());
            for (String k : f.keys()) {
                assertFalse(f.value(k).offset() < 0, k);
            }
            assertEquals(0, f.dataOffset() % 32);
            assertEquals(0, f.tensorInfo("w").offset());
            assertEquals(32, f.tensorInfo("bias").offset());
            assertEquals(f.dataOffset() + 64, f.fileSize());
            Tensor t = f.tensor("w");
            assertEquals(Shape.of(2, 3), t.shape());
            for (int i = 0; i < 6; i++) {
                assertEquals(weights[i], t.segment().get(F32, t.offset() + 4L * i));
            }
            Tensor bias = f.tensor("bias");
            for (int i = 0; i < 5; i++) {
                assertEquals(0f, bias.segment().get(F32, bias.offset() + 4L * i));
            }
            for (long i = f.dataOffset() + 24; i < f.dataOffset() + 32; i++) {
                assertEquals(0, f.segment().get(ValueLayout.JAVA_BYTE, i), "padding byte " + i);
            }
        }
    }

    @Test
    void customAlignmentIsHonoured() throws IOException {
        Path p = tmp.resolve("a64.gguf");
        new GgufWriter()
                .put("general.alignment", GgufValue.uint32(64))
                .addTensor("a", DType.Q8_0, new long[] {32}, target -> target.fill((byte) 1))
                .addTensor("b", DType.Q4_0, new long[] {64, 3}, target -> target.fill((byte) 2))
                .write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(64, f.alignment());
            assertEquals(0, f.dataOffset() % 64);
            assertEquals(0, f.tensorInfo("a").offset());
            assertEquals(34, f.tensorInfo("a").byteSize());
            assertEquals(64, f.tensorInfo("b").offset());
            assertEquals(3 * 2 * 18, f.tensorInfo("b").byteSize());
            assertEquals(f.dataOffset() + 64 + 128, f.fileSize());
            assertEquals(Shape.of(3, 64), f.tensor("b").shape());
        }
    }

    /**
     * A tensor placed beyond the 2 GB mark is written and read back through 64-bit offsets. The big tensor writes
     * only its first and last element, so the file stays sparse on disk.
     */
    @Test
    void tensorsBeyondTwoGigabytes() throws IOException {
        Path p = tmp.resolve("big.gguf");
        long[] bigDims = {65_536, 8_200};
        long bigBytes = bigDims[0] * bigDims[1] * 4;
        assertTrue(bigBytes > Integer.MAX_VALUE);
        new GgufWriter()
                .put("general.architecture", GgufValue.string("sparse"))
                .addTensor("big", DType.F32, bigDims, target -> {
                    target.set(F32, 0, 42f);
                    target.set(F32, target.byteSize() - 4, 43f);
                })
                .addTensor("tail", DType.F32, new long[] {8}, target -> {
                    for (int i = 0; i < 8; i++) {
                        target.set(F32, 4L * i, i + 1);
                    }
                })
                .write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertTrue(f.fileSize() > bigBytes);
            Tensor big = f.tensor("big");
            assertEquals(Shape.of(8_200, 65_536), big.shape());
            assertEquals(42f, big.segment().get(F32, big.offset()));
            assertEquals(43f, big.segment().get(F32, big.offset() + bigBytes - 4));
            Tensor tail = f.tensor("tail");
            assertTrue(tail.offset() > Integer.MAX_VALUE);
            assertEquals(bigBytes, f.tensorInfo("tail").offset());
            for (int i = 0; i < 8; i++) {
                assertEquals(i + 1, tail.segment().get(F32, tail.offset() + 4L * i));
            }
        } finally {
            Files.deleteIfExists(p);
        }
    }

    @Test
    void rejectsInvalidInputNamingIt() {
        GgufWriter w = new GgufWriter().put("k", GgufValue.bool(true));
        GgufTensorData zeros = target -> target.fill((byte) 0);
        assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValue.bool(false)));
        assertThrows(IllegalArgumentException.class, () -> w.put("general.alignment", GgufValue.uint32(48)));
        assertThrows(IllegalArgumentException.class, () -> w.put("general.alignment", GgufValue.int32(32)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("q", DType.Q4_0, new long[] {33}, zeros));
        assertTrue(e.getMessage().contains("'q'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("z", DType.F32, new long[] {0}, zeros));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("r", DType.F32, new long[] {1, 1, 1, 1, 1},
                zeros));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("x".repeat(64), DType.F32, new long[] {1},
                zeros));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("o", DType.F32,
                new long[] {1L << 40, 1L << 40}, zeros));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("s", DType.F32, new long[] {4},
                MemorySegment.ofArray(new byte[15])));
        w.addTensor("s", DType.F32, new long[] {4}, MemorySegment.ofArray(new byte[16]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("s", DType.F32, new long[] {4}, zeros));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.uint8(256));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.uint32(-1));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.array(GgufType.INT32, new long[] {1}));
    }

    @Test
    void failingSourceLeavesNoFile() {
        Path p = tmp.resolve("broken.gguf");
        GgufWriter w = new GgufWriter().addTensor("t", DType.F32, new long[] {8}, target -> {
            throw new IOException("source gone");
        });
        assertThrows(IOException.class, () -> w.write(p));
        assertFalse(Files.exists(p));
    }
}
