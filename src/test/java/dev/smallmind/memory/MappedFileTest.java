package dev.smallmind.memory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MappedFileTest {
    @Test
    void mapsTheWholeFileReadOnly(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("w.bin");
        byte[] bytes = new byte[10_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31);
        }
        Files.write(file, bytes);
        try (MappedFile mapped = MappedFile.open(file)) {
            MemorySegment s = mapped.segment();
            assertEquals(bytes.length, mapped.size());
            assertEquals(bytes.length, s.byteSize());
            for (int i = 0; i < bytes.length; i++) {
                assertEquals(bytes[i], s.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
            }
            assertTrue(s.isReadOnly());
            assertThrows(IllegalArgumentException.class, () -> s.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
            assertThrows(IndexOutOfBoundsException.class, () -> s.get(ValueLayout.JAVA_BYTE, bytes.length));
        }
    }

    /** Weights and activations must be one segment class, or the kernels' shared type profiles turn bimorphic. */
    @Test
    void segmentIsOfTheSameClassAsArenaMemory(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("w.bin");
        Files.write(file, new byte[4096]);
        try (MappedFile mapped = MappedFile.open(file); Arena arena = Arena.ofShared()) {
            assertSame(arena.allocate(64, 64).getClass(), mapped.segment().getClass());
            assertFalse(mapped.segment().isMapped());
        }
    }

    @Test
    void closingUnmaps(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("w.bin");
        Files.write(file, new byte[4096]);
        MappedFile mapped = MappedFile.open(file);
        MemorySegment s = mapped.segment();
        mapped.close();
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
    }
}
