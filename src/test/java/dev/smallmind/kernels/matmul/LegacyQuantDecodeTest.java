package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** decodeRow of hand-built blocks against values worked out by hand from ggml's block layouts. */
class LegacyQuantDecodeTest {
    private static final long OFFSET = 3;

    /** Block bytes, little-endian fields written out one by one. */
    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static byte[] repeat(int value, int count) {
        byte[] b = new byte[count];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static void assertDecodes(byte[] block, float[] expected, MatmulKernel... kernels) {
        for (MatmulKernel kernel : kernels) {
            try (Arena arena = Arena.ofShared()) {
                MemorySegment w = arena.allocate(OFFSET + block.length, 64);
                MemorySegment.copy(block, 0, w, ValueLayout.JAVA_BYTE, OFFSET, block.length);
                MemorySegment dst = arena.allocate(8 + expected.length * 4L, 64);
                kernel.decodeRow(w, OFFSET, dst, 8, expected.length);
                float[] got = new float[expected.length];
                MemorySegment.copy(dst, ValueLayout.JAVA_FLOAT, 8, got, 0, got.length);
                assertArrayEquals(expected, got, 0f, kernel.getClass().getSimpleName());
            }
        }
    }

    @Test
    void q8_0() {
        // block 0: d = 0.5 (fp16 0x3800), q[j] = j - 16 except q[0] = -128 and q[31] = 127
        byte[] q = new byte[32];
        for (int j = 0; j < 32; j++) {
            q[j] = (byte) (j - 16);
        }
        q[0] = (byte) -128;
        q[31] = 127;
        // block 1: d = 0x0001, the smallest fp16 subnormal 2^-24, every q = 3
        byte[] block = concat(bytes(0x00, 0x38), q, bytes(0x01, 0x00), repeat(3, 32));
        float[] expected = new float[64];
        expected[0] = -64f;
        for (int j = 1; j < 31; j++) {
            expected[j] = (j - 16) * 0.5f;
        }
        expected[31] = 63.5f;
        Arrays.fill(expected, 32, 64, 1.7881393e-7f);
        assertDecodes(block, expected, new Q8_0Matmul(), new Q8_0MatmulReference());
    }

    @Test
    void q4_0() {
        // d = 2 (0x4000); filler 0x88 decodes to (8 - 8) * 2 = 0
        byte[] qs = repeat(0x88, 16);
        qs[0] = 0x0F;         // element 0: 15 -> 14, element 16: 0 -> -16
        qs[1] = (byte) 0xF0;  // element 1: 0 -> -16, element 17: 15 -> 14
        qs[15] = (byte) 0x97; // element 15: 7 -> -2, element 31: 9 -> 2
        float[] expected = new float[32];
        expected[0] = 14;
        expected[16] = -16;
        expected[1] = -16;
        expected[17] = 14;
        expected[15] = -2;
        expected[31] = 2;
        assertDecodes(concat(bytes(0x00, 0x40), qs), expected, new Q4_0Matmul(), new Q4_0MatmulReference());
    }

    @Test
    void q4_1() {
        // d = 0.5 (0x3800), m = -1 (0xBC00); filler 0x00 decodes to m = -1
        byte[] qs = repeat(0x00, 16);
        qs[0] = 0x1F;         // element 0: 15 * 0.5 - 1 = 6.5, element 16: 1 * 0.5 - 1 = -0.5
        qs[15] = (byte) 0xA3; // element 15: 3 -> 0.5, element 31: 10 -> 4
        float[] expected = new float[32];
        Arrays.fill(expected, -1f);
        expected[0] = 6.5f;
        expected[16] = -0.5f;
        expected[15] = 0.5f;
        expected[31] = 4f;
        assertDecodes(concat(bytes(0x00, 0x38, 0x00, 0xBC), qs), expected, new Q4_1Matmul(), new Q4_1MatmulReference());
    }

    @Test
    void q5_0() {
        // d = 1 (0x3C00); qh = 0x80010001: fifth bits of elements 0, 16 and 31; filler 0x00 decodes to 0 - 16
        byte[] qs = repeat(0x00, 16);
        qs[0] = 0x21;         // element 0: 1 | 16 = 17 -> 1, element 16: 2 | 16 = 18 -> 2
        qs[15] = (byte) 0xF0; // element 15: 0 -> -16, element 31: 15 | 16 = 31 -> 15
        float[] expected = new float[32];
        Arrays.fill(expected, -16f);
        expected[0] = 1;
        expected[16] = 2;
        expected[31] = 15;
        byte[] block = concat(bytes(0x00, 0x3C), bytes(0x01, 0x00, 0x01, 0x80), qs);
        assertDecodes(block, expected, new Q5_0Matmul(), new Q5_0MatmulReference());
    }

    @Test
    void q5_1() {
        // d = 0.25 (0x3400), m = 0.5 (0x3800); qh = 0x00008002: fifth bits of elements 1 and 15;
        // filler 0x11 decodes to 1 * 0.25 + 0.5 = 0.75
        byte[] qs = repeat(0x11, 16);
        qs[1] = (byte) 0xF5;  // element 1: 5 | 16 = 21 -> 5.75, element 17: 15 -> 4.25
        float[] expected = new float[32];
        Arrays.fill(expected, 0.75f);
        expected[1] = 5.75f;
        expected[17] = 4.25f;
        expected[15] = 4.75f; // 1 | 16 = 17 -> 4.75
        byte[] block = concat(bytes(0x00, 0x34, 0x00, 0x38), bytes(0x02, 0x80, 0x00, 0x00), qs);
        assertDecodes(block, expected, new Q5_1Matmul(), new Q5_1MatmulReference());
    }
}
