package dev.smallmind.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DTypeTest {
    /** ggml-common.h: elements per block, bytes per block, GGUF type number. */
    @Test
    void blockLayoutsAndIdsMatchGgml() {
        check(DType.F32, 1, 4, 0);
        check(DType.F16, 1, 2, 1);
        check(DType.Q4_0, 32, 18, 2);
        check(DType.Q4_1, 32, 20, 3);
        check(DType.Q5_0, 32, 22, 6);
        check(DType.Q5_1, 32, 24, 7);
        check(DType.Q8_0, 32, 34, 8);
        check(DType.Q8_1, 32, 36, 9);
        check(DType.Q4_K, 256, 144, 12);
        check(DType.Q5_K, 256, 176, 13);
        check(DType.Q6_K, 256, 210, 14);
        check(DType.Q8_K, 256, 292, 15);
        check(DType.BF16, 1, 2, 30);
    }

    private static void check(DType t, int blockSize, int blockBytes, int id) {
        assertEquals(blockSize, t.blockSize(), t + " block size");
        assertEquals(blockBytes, t.blockBytes(), t + " block bytes");
        assertEquals(id, t.ggmlId(), t + " ggml id");
        assertSame(t, DType.fromGgmlId(id), t + " from its id");
        assertEquals(blockSize > 1, t.isQuantized());
    }

    @Test
    void unknownIdsGiveNull() {
        for (long id : new long[] {-1, 4, 5, 10, 11, 16, 29, 31, 63, 64, 1000, Long.MAX_VALUE}) {
            assertNull(DType.fromGgmlId(id), "id " + id);
        }
    }

    @Test
    void rowBytesCountsWholeBlocks() {
        assertEquals(4096 * 4, DType.F32.rowBytes(4096));
        assertEquals(3 * 2, DType.F16.rowBytes(3));
        assertEquals(4096 / 32 * 18, DType.Q4_0.rowBytes(4096));
        assertEquals(2 * 210, DType.Q6_K.rowBytes(512));
        assertEquals(0, DType.Q8_0.rowBytes(0));
    }

    @Test
    void rowBytesRejectsPartialBlocks() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DType.Q8_0.rowBytes(33));
        assertTrue(e.getMessage().contains("33") && e.getMessage().contains("Q8_0")
                && e.getMessage().contains("32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DType.Q4_K.rowBytes(128));
        assertThrows(IllegalArgumentException.class, () -> DType.F32.rowBytes(-1));
    }

    @Test
    void ggmlNamesKeepTheCapitalK() {
        assertEquals("f32", DType.F32.ggmlName());
        assertEquals("q8_0", DType.Q8_0.ggmlName());
        assertEquals("q4_K", DType.Q4_K.ggmlName());
        assertEquals("bf16", DType.BF16.ggmlName());
        assertFalse(DType.BF16.isQuantized());
    }
}
