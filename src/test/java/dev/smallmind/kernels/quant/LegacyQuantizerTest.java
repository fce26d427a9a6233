package dev.smallmind.kernels.quant;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Row quantizers on hand-worked blocks (ggml's reference rounding rules) and their argument checks. */
class LegacyQuantizerTest {
    private interface RowQuantizer {
        void quantizeRow(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int n);
    }

    private static byte[] quantize(RowQuantizer q, float[] x, int blockBytes) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment src = arena.allocate(4 + x.length * 4L, 64);
            MemorySegment.copy(x, 0, src, ValueLayout.JAVA_FLOAT, 4, x.length);
            MemorySegment dst = arena.allocate(1 + (long) x.length / 32 * blockBytes, 64);
            q.quantizeRow(src, 4, dst, 1, x.length);
            return dst.asSlice(1).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void q8_0RoundsTiesAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127f;   // amax 127: d = 1 (fp16 0x3C00), 1/d = 1
        x[1] = -0.5f;  // -> -1
        x[2] = 0.5f;   // -> 1
        x[3] = 1.5f;   // -> 2
        x[4] = -2.5f;  // -> -3
        x[5] = 63.5f;  // -> 64
        x[6] = 0.49999997f; // -> 0 (no float rounding of x + 0.5)
        byte[] expected = new byte[34];
        System.arraycopy(bytes(0x00, 0x3C, 127, -1, 1, 2, -3, 64, 0), 0, expected, 0, 9);
        assertArrayEquals(expected, quantize(Q8_0Quantizer::quantizeRow, x, 34));
    }

    @Test
    void q4_0UsesTheFirstLargestMagnitudeWithItsSign() {
        float[] x = new float[32];
        x[0] = -8f;    // max = -8 (x[3] has the same magnitude but comes later): d = -8 / -8 = 1
        x[1] = 1f;     // trunc(1 + 8.5) = 9
        x[2] = -1f;    // 7
        x[3] = 8f;     // 16, clamped to 15
        x[16] = 3.5f;  // 12
        x[17] = 0.49f; // 8
        // zeros: trunc(8.5) = 8; byte j packs element j (low) and element j + 16 (high)
        byte[] expected = new byte[18];
        expected[0] = 0x00;
        expected[1] = 0x3C;
        for (int j = 2; j < 18; j++) {
            expected[j] = (byte) 0x88;
        }
        expected[2] = (byte) 0xC0;
        expected[3] = (byte) 0x89;
        expected[4] = (byte) 0x87;
        expected[5] = (byte) 0x8F;
        assertArrayEquals(expected, quantize(Q4_0Quantizer::quantizeRow, x, 18));
    }

    @Test
    void q4_1StoresMinimumAndRange() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = 1f;
        }
        x[0] = -1f;    // min = -1
        x[31] = 14f;   // max = 14: d = 15 / 15 = 1 (0x3C00), m = -1 (0xBC00)
        x[5] = 2.4f;   // trunc(3.4 + 0.5) = 3
        // the others: trunc(2 + 0.5) = 2
        byte[] expected = new byte[20];
        System.arraycopy(bytes(0x00, 0x3C, 0x00, 0xBC), 0, expected, 0, 4);
        for (int j = 0; j < 16; j++) {
            expected[4 + j] = 0x22;
        }
        expected[4] = 0x20;                     // element 0: 0, element 16: 2
        expected[4 + 5] = 0x23;                 // element 5: 3
        expected[4 + 15] = (byte) 0xF2;         // element 31: 15
        assertArrayEquals(expected, quantize(Q4_1Quantizer::quantizeRow, x, 20));
    }

    @Test
    void q5_0PutsFifthBitsInQh() {
        float[] x = new float[32];
        x[0] = 16f;    // max = 16: d = -1 (0xBC00), id = -1: q = min(31, trunc(-x + 16.5))
        x[1] = -15f;   // trunc(31.5) = 31: low nibble 15, fifth bit set
        x[17] = 2f;    // trunc(14.5) = 14
        // x[0]: trunc(0.5) = 0; zeros: 16 -> low nibble 0, fifth bit set
        byte[] expected = new byte[22];
        expected[0] = 0x00;
        expected[1] = (byte) 0xBC;
        int qh = ~0 & ~1 & ~(1 << 17);          // every element but 0 and 17 has q >= 16
        expected[2] = (byte) qh;
        expected[3] = (byte) (qh >>> 8);
        expected[4] = (byte) (qh >>> 16);
        expected[5] = (byte) (qh >>> 24);
        expected[6 + 1] = (byte) 0x0F;          // element 1: 31 & 15 = 15; element 17: 14 -> high nibble E
        expected[6 + 1] |= (byte) 0xE0;
        assertArrayEquals(expected, quantize(Q5_0Quantizer::quantizeRow, x, 22));
    }

    @Test
    void q5_1PutsFifthBitsInQh() {
        float[] x = new float[32];
        x[31] = 31f;   // min = 0, max = 31: d = 1 (0x3C00), m = 0
        x[3] = 17.2f;  // trunc(17.7) = 17: low 1, fifth bit 3
        byte[] expected = new byte[24];
        expected[1] = 0x3C;
        int qh = 1 << 31 | 1 << 3;
        expected[4] = (byte) qh;
        expected[7] = (byte) (qh >>> 24);
        expected[8 + 3] = 0x01;
        expected[8 + 15] = (byte) 0xF0;         // element 31: 31 & 15 = 15 in the high nibble
        assertArrayEquals(expected, quantize(Q5_1Quantizer::quantizeRow, x, 24));
    }

    @Test
    void rejectsBadArgumentsBeforeWriting() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment src = arena.allocate(64 * 4, 64);
            MemorySegment dst = arena.allocate(34, 64);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Q8_0Quantizer.quantizeRow(src, 0, dst, 0, 48));
            assertTrue(e.getMessage().contains("48"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Q8_0Quantizer.quantizeRow(src, 0, dst, 0, 64));
            assertTrue(e.getMessage().contains("destination"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Q4_0Quantizer.quantizeRow(src, 8, dst, 0, 64));
            assertTrue(e.getMessage().contains("source"), e.getMessage());
            assertTrue(dst.mismatch(arena.allocate(34)) == -1, "nothing was written");
        }
    }
}
