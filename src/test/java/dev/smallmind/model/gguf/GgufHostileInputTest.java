package dev.smallmind.model.gguf;

import dev.smallmind.SharedData;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Crafted and truncated headers: each is rejected with a {@link GgufFormatException} naming the right offset. */
class GgufHostileInputTest {
    private static final Path NAME = Path.of("crafted.gguf");
    private static final long HUGE = 1L << 60;

    @TempDir
    Path tmp;

    private static GgufFormatException rejects(RawGguf g, long offset, String... fragments) {
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.of(NAME, g.segment()));
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.getMessage().startsWith("crafted.gguf: at offset " + offset + ": "), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' missing from: " + e.getMessage());
        }
        return e;
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }

    @Test
    void magicAndVersion() {
        rejects(new RawGguf().bytes("GGUX".getBytes()).u32(3).u64(0).u64(0), 0, "magic", "0x47475558");
        rejects(new RawGguf().bytes("GG".getBytes()), 0, "file ends inside the magic");
        rejects(new RawGguf().bytes("GGUF".getBytes()).u32(1).u64(0).u64(0), 4, "v1", "got 1");
        rejects(new RawGguf().bytes("GGUF".getBytes()).u32(4).u64(0).u64(0), 4, "expected 2 or 3, got 4");
        rejects(new RawGguf().bytes("GGUF".getBytes()).u32(3L << 24).u64(0).u64(0), 4, "big-endian");
        assertThrows(GgufFormatException.class, () -> GgufFile.of(NAME, MemorySegment.ofArray(new byte[0])));
    }

    @Test
    void versionTwoAndThreeOpen() {
        for (int version : new int[] {2, 3}) {
            RawGguf g = new RawGguf().bytes("GGUF".getBytes()).u32(version).u64(1).u64(1).kvU32("n", 7)
                    .tensor("t", 0, 0, 8).align32().zeros(32);
            GgufFile f = GgufFile.of(NAME, g.segment());
            assertEquals(version, f.version());
            assertEquals(7, f.integer("n"));
            assertEquals(DType.F32, f.tensorInfo("t").type());
        }
    }

    @Test
    void hugeCountsAreRejectedWithoutAllocating() {
        long before = allocatedBytes();
        rejects(RawGguf.header(HUGE, 0), 8, "tensor infos", Long.toString(HUGE));
        rejects(RawGguf.header(0, HUGE), 16, "key-value pairs");
        rejects(RawGguf.header(0, -1), 16, "18446744073709551615");
        rejects(RawGguf.header(1, 1).kvU32("a", 1), 8, "tensor infos");
        rejects(RawGguf.header(0, 1).u64(1L << 62).bytes("k".getBytes()).u32(4).u32(0), 24, "string length",
                "4611686018427387904");
        rejects(RawGguf.header(0, 1).u64(-1).u64(0), 24, "18446744073709551615");
        RawGguf arrayOfLongs = RawGguf.header(0, 1).str("a").u32(GgufType.ARRAY.id()).u32(GgufType.UINT64.id());
        rejects(arrayOfLongs.u64(1L << 61), arrayOfLongs.pos() - 8, "cannot fit", "2305843009213693952");
        RawGguf arrayOfStrings = RawGguf.header(0, 1).str("a").u32(GgufType.ARRAY.id()).u32(GgufType.STRING.id());
        rejects(arrayOfStrings.u64(3).u64(0).u64(0), arrayOfStrings.pos() - 24, "expected at most 2");
        RawGguf hugeDims = RawGguf.header(1, 0).str("t").u32(2).u64(1L << 40).u64(1L << 40).u32(0).u64(0);
        rejects(hugeDims, 24 + 9 + 4, "overflows 64 bits");
        long allocated = allocatedBytes() - before;
        assertTrue(allocated < 4 << 20, "rejecting hostile counts allocated " + allocated + " bytes");
    }

    @Test
    void metadataValues() {
        RawGguf unknownType = RawGguf.header(0, 1).str("k");
        long typeAt = unknownType.pos();
        rejects(unknownType.u32(13).u32(0), typeAt, "unknown value type", "key 'k'", "got 13");

        RawGguf badElement = RawGguf.header(0, 1).str("k").u32(GgufType.ARRAY.id());
        long elementAt = badElement.pos();
        rejects(badElement.u32(0xFFFF_FFFFL).u64(0), elementAt, "4294967295");

        RawGguf dup = RawGguf.header(0, 2).kvU32("k", 1);
        long secondAt = dup.pos();
        rejects(dup.kvU32("k", 2), secondAt, "duplicate metadata key 'k'");

        RawGguf bool = RawGguf.header(0, 1).str("b").u32(GgufType.BOOL.id());
        long boolAt = bool.pos();
        rejects(bool.u8(2), boolAt, "expected 0 or 1, got 2");

        RawGguf deep = RawGguf.header(0, 1).str("deep");
        deep.u32(GgufType.ARRAY.id());
        for (int i = 0; i < 20; i++) {
            deep.u32(GgufType.ARRAY.id()).u64(1);
        }
        deep.u32(GgufType.UINT8.id()).u64(0);
        GgufFormatException e = rejects(deep, 24 + 12 + 4 + 12L * (GgufParser.MAX_ARRAY_DEPTH - 1), "nests arrays");
        assertTrue(e.getMessage().contains("key 'deep'"), e.getMessage());

        RawGguf shallow = RawGguf.header(0, 1).str("n").u32(GgufType.ARRAY.id());
        for (int i = 0; i < GgufParser.MAX_ARRAY_DEPTH - 1; i++) {
            shallow.u32(GgufType.ARRAY.id()).u64(1);
        }
        shallow.u32(GgufType.UINT8.id()).u64(1).u8(42);
        GgufValue v = GgufFile.of(NAME, shallow.segment()).value("n");
        for (int i = 0; i < GgufParser.MAX_ARRAY_DEPTH - 1; i++) {
            v = ((GgufValue[]) v.value())[0];
        }
        assertEquals(42, ((byte[]) v.value())[0]);

        RawGguf truncatedArray = RawGguf.header(0, 1).str("f").u32(GgufType.ARRAY.id()).u32(GgufType.FLOAT32.id());
        long countAt = truncatedArray.pos();
        rejects(truncatedArray.u64(3).zeros(11), countAt, "expected at most 2 elements");
    }

    @Test
    void alignment() {
        RawGguf three = RawGguf.header(0, 1).str("general.alignment").u32(GgufType.UINT32.id());
        long at = three.pos();
        rejects(three.u32(3), at, "power of two", "got 3");
        RawGguf zero = RawGguf.header(0, 1).str("general.alignment").u32(GgufType.UINT32.id());
        rejects(zero.u32(0), at, "got 0");
        RawGguf text = RawGguf.header(0, 1).str("general.alignment").u32(GgufType.STRING.id());
        rejects(text.str("32"), at, "expected UINT32, got STRING");

        RawGguf sixtyFour = RawGguf.header(1, 1).kvU32("general.alignment", 64).tensor("t", 0, 64, 16);
        while (sixtyFour.pos() % 64 != 0) {
            sixtyFour.u8(0);
        }
        GgufFile f = GgufFile.of(NAME, sixtyFour.zeros(128).segment());
        assertEquals(64, f.alignment());
        assertEquals(64, f.tensorInfo("t").offset());

        RawGguf misaligned = RawGguf.header(1, 1).kvU32("general.alignment", 64).tensor("t", 0, 32, 8);
        long misalignedAt = misaligned.pos() - 8;
        rejects(misaligned.zeros(200), misalignedAt, "tensor 't'", "multiple of 64, got 32");
    }

    @Test
    void tensorInfos() {
        long infoAt = 24;
        long nDimsAt = infoAt + 8 + 1;
        rejects(RawGguf.header(1, 0).str("t").u32(0).u32(0).u64(0).zeros(64), nDimsAt, "tensor 't'", "got 0");
        rejects(RawGguf.header(1, 0).tensor("t", 0, 0, 1, 1, 1, 1, 1).zeros(64), nDimsAt, "expected 1..4, got 5");
        rejects(RawGguf.header(1, 0).tensor("t", 0, 0, 4, 0).zeros(64), nDimsAt + 4 + 8, "dimension 1", "got 0");
        rejects(RawGguf.header(1, 0).tensor("t", 0, 0, -1).zeros(64), nDimsAt + 4, "18446744073709551615");
        rejects(RawGguf.header(1, 0).tensor("t", 0, 0, 1L << 32, 1L << 32, 1L << 32).zeros(64), nDimsAt + 4,
                "overflows");
        rejects(RawGguf.header(1, 0).tensor("big.weight", 99, 0, 32).zeros(64), nDimsAt + 9 + 4 + 8,
                "tensor 'big.weight'", "unknown or unsupported ggml type id", "got 99");
        rejects(RawGguf.header(1, 0).tensor("q", DType.Q4_0.ggmlId(), 0, 33).zeros(64), nDimsAt + 4,
                "tensor 'q'", "multiple of 32, got 33");
        rejects(RawGguf.header(1, 0).tensor("t", 0, 16, 4).zeros(64), nDimsAt + 4 + 8 + 4, "multiple of 32, got 16");
        rejects(RawGguf.header(1, 0).tensor("t", 0, -32, 4).zeros(64), nDimsAt + 4 + 8 + 4, "18446744073709551584");

        RawGguf dup = RawGguf.header(2, 0).tensor("t", 0, 0, 8);
        long secondAt = dup.pos();
        rejects(dup.tensor("t", 0, 32, 8).align32().zeros(64), secondAt, "duplicate tensor name 't'");

        RawGguf outside = RawGguf.header(1, 0).tensor("t", 0, 1L << 40, 8);
        long outsideAt = outside.pos() - 8;
        rejects(outside.align32().zeros(32), outsideAt, "tensor 't'", "outside the file");
        RawGguf shortData = RawGguf.header(1, 0).tensor("t", 0, 0, 16);
        long offsetAt = shortData.pos() - 8;
        rejects(shortData.align32().zeros(63), offsetAt, "expected an end at most");
        RawGguf endOfFile = RawGguf.header(1, 0).tensor("t", 0, 0, 16).align32().zeros(64);
        assertEquals(64, GgufFile.of(NAME, endOfFile.segment()).tensorInfo("t").byteSize());
    }

    @Test
    void vocabOnlyLayoutsOpen() {
        RawGguf bare = RawGguf.header(0, 1).kvU32("a", 1);
        GgufFile f = GgufFile.of(NAME, bare.segment());
        assertEquals(0, f.tensors().size());
        assertEquals(bare.pos(), f.fileSize());
        assertEquals(64, f.dataOffset());
        GgufFile padded = GgufFile.of(NAME, RawGguf.header(0, 1).kvU32("a", 1).align32().segment());
        assertEquals(1, padded.integer("a"));
    }

    /** Every prefix of a small file holding every value type, nested arrays and four tensor types. */
    @Test
    void everyTruncationOfASmallFileIsRejected() throws IOException {
        MemorySegment whole = MemorySegment.ofArray(GgufFuzzTest.smallFile(tmp));
        GgufFile f = GgufFile.of(NAME, whole);
        GgufTensorInfo last = f.tensors().getLast();
        long end = f.dataOffset() + last.offset() + last.byteSize();
        assertEquals(whole.byteSize(), end + 48, "the last tensor is followed by padding");
        for (long n = 0; n < end; n++) {
            assertTruncationRejected(whole, n, "small file");
        }
    }

    /**
     * Prefixes of stories260K: every one across the start of the metadata and the tensor infos, every 11th through
     * the vocabulary arrays (the same code paths), and a sample into the data.
     */
    @Test
    void truncationsOfStories260kAreRejected() throws IOException {
        try (GgufFile f = GgufFile.open(SharedData.require("models/stories260K.gguf"))) {
            long infosFrom = f.dataOffset() - 3000;
            for (long n = 0; n < f.fileSize(); n += n < 1024 || (n >= infosFrom && n < f.dataOffset() + 64) ? 1
                    : n < f.dataOffset() ? 11 : 9973) {
                assertTruncationRejected(f.segment(), n, "stories260K");
            }
            assertTruncationRejected(f.segment(), f.fileSize() - 1, "stories260K");
        }
    }

    @Test
    void sampledTruncationsOfOtherFilesAreRejected() throws IOException {
        try (GgufFile f = GgufFile.open(SharedData.require("models/synthetic/mini-q4_k_m.gguf"))) {
            for (long n = 0; n < f.fileSize(); n += n < f.dataOffset() + 64 ? 7 : 49_999) {
                assertTruncationRejected(f.segment(), n, "mini-q4_k_m");
            }
        }
        try (GgufFile f = GgufFile.open(SharedData.require("vocab/ggml-vocab-llama-spm.gguf"))) {
            for (long n = 0; n < f.fileSize(); n += n < 2048 ? 1 : 24_989) {
                assertTruncationRejected(f.segment(), n, "llama-spm vocab");
            }
            assertTruncationRejected(f.segment(), f.fileSize() - 1, "llama-spm vocab");
        }
    }

    private static void assertTruncationRejected(MemorySegment whole, long n, String what) {
        GgufFormatException e = assertThrows(GgufFormatException.class,
                () -> GgufFile.of(NAME, whole.asSlice(0, n)), what + " truncated to " + n + " bytes");
        assertTrue(e.offset() >= 0 && e.offset() <= n, what + " truncated to " + n + ": " + e.getMessage());
    }

    @Test
    void truncatedFilesOnDiskAreRejected() throws IOException {
        byte[] stories = Files.readAllBytes(SharedData.require("models/stories260K.gguf"));
        for (int n : new int[] {0, 3, 4, 23, 24, 100, 14_152, 14_175, 14_176, stories.length - 1}) {
            Path p = tmp.resolve("cut" + n + ".gguf");
            Files.write(p, java.util.Arrays.copyOf(stories, n));
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(p).close());
            assertTrue(e.getMessage().startsWith(p + ": at offset "), e.getMessage());
        }
    }
}
