package dev.smallmind.model.gguf;

import dev.smallmind.SharedData;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded mutation fuzzing of GGUF headers: every mutated file either opens, with every tensor a valid view
 * inside the file, or is rejected with a {@link GgufFormatException}; nothing else may escape.
 */
class GgufFuzzTest {
    private static final Path NAME = Path.of("fuzzed.gguf");
    private static final long[] INTERESTING = {0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 31, 32, 33, 63, 64, 255, 256,
        0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL, 1L << 32, 1L << 40, 1L << 60, Long.MAX_VALUE, Long.MIN_VALUE, -1,
        -32};

    @TempDir
    Path tmp;

    /** A small valid file with every value type, nested arrays, a custom alignment and four tensor types. */
    static byte[] smallFile(Path dir) throws IOException {
        GgufWriter w = new GgufWriter()
                .put("general.architecture", GgufValue.string("llama"))
                .put("general.alignment", GgufValue.uint32(64))
                .put("u8", GgufValue.uint8(7)).put("i8", GgufValue.int8(-7))
                .put("u16", GgufValue.uint16(700)).put("i16", GgufValue.int16(-700))
                .put("u32", GgufValue.uint32(70000)).put("i32", GgufValue.int32(-70000))
                .put("u64", GgufValue.uint64(1L << 40)).put("i64", GgufValue.int64(-(1L << 40)))
                .put("f32", GgufValue.float32(0.5f)).put("f64", GgufValue.float64(0.25))
                .put("bool", GgufValue.bool(true)).put("str", GgufValue.string("▁hi"))
                .put("tokens", GgufValue.stringArray("<unk>", "<s>", "</s>", "▁a"))
                .put("scores", GgufValue.floatArray(0f, -1f, -2f, -3f))
                .put("types", GgufValue.int32Array(2, 3, 3, 1))
                .put("flags", GgufValue.array(GgufType.BOOL, new boolean[] {true, false}))
                .put("nested", GgufValue.array(GgufType.ARRAY, new GgufValue[] {
                    GgufValue.array(GgufType.UINT16, new short[] {1, 2}), GgufValue.stringArray("x")}));
        w.addTensor("token_embd.weight", DType.F32, new long[] {8, 4}, t -> t.fill((byte) 1));
        w.addTensor("blk.0.attn_q.weight", DType.Q8_0, new long[] {32, 2}, t -> t.fill((byte) 2));
        w.addTensor("blk.0.ffn_up.weight", DType.Q4_K, new long[] {256, 1}, t -> t.fill((byte) 3));
        w.addTensor("output_norm.weight", DType.F16, new long[] {8}, t -> t.fill((byte) 4));
        Path p = dir.resolve("small.gguf");
        w.write(p);
        return Files.readAllBytes(p);
    }

    @Test
    void mutatedSmallFile() throws IOException {
        byte[] base = smallFile(tmp);
        GgufFile clean = GgufFile.of(NAME, MemorySegment.ofArray(base));
        assertEquals(4, clean.tensors().size());
        fuzz(base, clean.dataOffset(), 4000, 1);
    }

    @Test
    void mutatedStories260kHeader() throws IOException {
        byte[] base = Files.readAllBytes(SharedData.require("models/stories260K.gguf"));
        fuzz(base, GgufFile.of(NAME, MemorySegment.ofArray(base)).dataOffset(), 600, 2);
    }

    @Test
    void mutatedQuantizedHeader() throws IOException {
        byte[] base = Files.readAllBytes(SharedData.require("models/synthetic/mini-q4_k_m.gguf"));
        fuzz(base, GgufFile.of(NAME, MemorySegment.ofArray(base)).dataOffset(), 600, 3);
    }

    /**
     * Mutates {@code cases} copies of the header in place (restoring it after each) and checks the outcome.
     * Mutations are biased to the fields: half set one to an interesting 4- or 8-byte value, the rest flip bytes.
     */
    private static void fuzz(byte[] file, long headerBytes, int cases, long seed) {
        Random random = new Random(seed);
        int header = (int) headerBytes;
        byte[] original = file.clone();
        int opened = 0;
        for (int c = 0; c < cases; c++) {
            int mutations = 1 + random.nextInt(3);
            StringBuilder what = new StringBuilder();
            for (int m = 0; m < mutations; m++) {
                int at = random.nextInt(header);
                if (random.nextBoolean()) {
                    long v = INTERESTING[random.nextInt(INTERESTING.length)];
                    int width = random.nextBoolean() ? 4 : 8;
                    for (int b = 0; b < width && at + b < file.length; b++) {
                        file[at + b] = (byte) (v >>> (8 * b));
                    }
                    what.append(" set ").append(width).append(" bytes at ").append(at).append(" to ").append(v);
                } else {
                    file[at] = (byte) random.nextInt(256);
                    what.append(" byte ").append(at).append(" = ").append(file[at] & 0xFF);
                }
            }
            MemorySegment segment = MemorySegment.ofArray(file);
            if (random.nextInt(8) == 0) {
                segment = segment.asSlice(0, random.nextInt(file.length));
                what.append(" truncated to ").append(segment.byteSize());
            }
            try {
                opened += check(segment) ? 1 : 0;
            } catch (Throwable t) {
                throw new AssertionError("seed " + seed + " case " + c + ":" + what + " escaped as " + t, t);
            }
            System.arraycopy(original, 0, file, 0, header);
        }
        assertTrue(opened > 0 && opened < cases, "expected both outcomes, " + opened + " of " + cases + " opened");
    }

    /** @return true when the file opened; false when it was rejected properly */
    private static boolean check(MemorySegment segment) {
        GgufFile f;
        try {
            f = GgufFile.of(NAME, segment);
        } catch (GgufFormatException e) {
            assertTrue(e.offset() >= 0 && e.offset() <= segment.byteSize(), e.getMessage());
            assertTrue(e.getMessage().startsWith("fuzzed.gguf: at offset " + e.offset() + ": "), e.getMessage());
            return false;
        }
        assertTrue(f.alignment() > 0 && Long.bitCount(f.alignment()) == 1);
        assertEquals(0, f.dataOffset() % f.alignment());
        for (String key : f.keys()) {
            GgufValue v = f.value(key);
            assertTrue(v.offset() > 0 && v.offset() < segment.byteSize(), key);
            try {
                f.number(key);
            } catch (GgufFormatException expected) {
                assertEquals(v.offset(), expected.offset());
            }
        }
        for (GgufTensorInfo t : f.tensors()) {
            assertEquals(0, t.offset() % f.alignment(), t.name());
            assertTrue(f.dataOffset() + t.offset() + t.byteSize() <= segment.byteSize(), t.name());
            assertEquals(t.shape(), f.tensor(t.name()).shape());
        }
        return true;
    }
}
