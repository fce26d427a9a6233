package dev.smallmind.kernels.matmul;

import dev.smallmind.kernels.MatmulKernel;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Dequantization of hand-built super-blocks with exactly representable expected values: the bytes are written
 * field by field as ggml lays them out, and every decoded float is compared with one computed from the chosen
 * quants, for the reference and the Vector API kernel alike.
 */
class KQuantDecodeTest {
    private static final long OFFSET = 24;

    /** Scales and mins that exercise every bit of the 6-bit packing: sub-blocks 4-7 need their top bits. */
    private static final int[] SCALES = {1, 63, 17, 32, 48, 5, 60, 33};
    private static final int[] MINS = {0, 62, 31, 16, 63, 40, 2, 47};

    @Test
    void scalePackingRoundTripsEveryValue() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(16);
            for (int v = 0; v < 64; v++) {
                int[] sc = new int[8];
                int[] mn = new int[8];
                for (int j = 0; j < 8; j++) {
                    sc[j] = (v + 7 * j) % 64;
                    mn[j] = (63 - v + 3 * j) % 64;
                }
                KQuantScales.pack(sc, mn, s, 2);
                int u0 = s.get(KQuantScales.I32, 2);
                int u1 = s.get(KQuantScales.I32, 6);
                int u2 = s.get(KQuantScales.I32, 10);
                for (int j = 0; j < 8; j++) {
                    assertEquals(sc[j], KQuantScales.scale(s, 2, j));
                    assertEquals(mn[j], KQuantScales.min(s, 2, j));
                    assertEquals(sc[j], KQuantScales.scale(u0, u2, j));
                    assertEquals(mn[j], KQuantScales.min(u1, u2, j));
                }
            }
        }
    }

    @Test
    void scalePackingMatchesGgmlBytes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(12);
            KQuantScales.pack(SCALES, MINS, s, 0);
            // bytes 0-3: scales 0-3 with the top 2 bits of scales 4-7 in bits 6-7
            // bytes 4-7: mins 0-3 with the top 2 bits of mins 4-7; bytes 8-11: low nibbles (scale | min << 4)
            int[] expected = {
                1 | (48 >> 4) << 6, 63 | (5 >> 4) << 6, 17 | (60 >> 4) << 6, 32 | (33 >> 4) << 6,
                0 | (63 >> 4) << 6, 62 | (40 >> 4) << 6, 31 | (2 >> 4) << 6, 16 | (47 >> 4) << 6,
                (48 & 15) | (63 & 15) << 4, (5 & 15) | (40 & 15) << 4, (60 & 15) | (2 & 15) << 4,
                (33 & 15) | (47 & 15) << 4};
            for (int i = 0; i < 12; i++) {
                assertEquals(expected[i], s.get(ValueLayout.JAVA_BYTE, i) & 0xFF, "byte " + i);
            }
        }
    }

    @Test
    void q4kDecodesHandBuiltSuperBlock() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate(OFFSET + 144 + 8);
            float d = 0.5f;
            float dmin = 0.25f;
            KQuantTestData.setHalf(w, OFFSET, d);
            KQuantTestData.setHalf(w, OFFSET + 2, dmin);
            KQuantScales.pack(SCALES, MINS, w, OFFSET + 4);
            int[] q = new int[256];
            for (int e = 0; e < 256; e++) {
                q[e] = (e * 7 + e / 16) % 16;
            }
            for (int c = 0; c < 4; c++) {
                for (int l = 0; l < 32; l++) {
                    int lo = q[64 * c + l];
                    int hi = q[64 * c + 32 + l];
                    w.set(ValueLayout.JAVA_BYTE, OFFSET + 16 + 32 * c + l, (byte) (lo | hi << 4));
                }
            }
            float[] expected = new float[256];
            for (int e = 0; e < 256; e++) {
                expected[e] = d * SCALES[e / 32] * q[e] - dmin * MINS[e / 32];
            }
            check(new Q4_KMatmulReference(), w, expected);
            check(new Q4_KMatmul(), w, expected);
        }
    }

    @Test
    void q5kDecodesHandBuiltSuperBlock() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate(OFFSET + 176 + 8);
            float d = 0.125f;
            float dmin = 2f;
            KQuantTestData.setHalf(w, OFFSET, d);
            KQuantTestData.setHalf(w, OFFSET + 2, dmin);
            KQuantScales.pack(SCALES, MINS, w, OFFSET + 4);
            int[] q = new int[256];
            for (int e = 0; e < 256; e++) {
                q[e] = (e * 13 + e / 32) % 32;
            }
            for (int l = 0; l < 32; l++) {
                int bits = 0;
                for (int c = 0; c < 4; c++) {
                    bits |= (q[64 * c + l] >> 4) << (2 * c);
                    bits |= (q[64 * c + 32 + l] >> 4) << (2 * c + 1);
                }
                w.set(ValueLayout.JAVA_BYTE, OFFSET + 16 + l, (byte) bits);
            }
            for (int c = 0; c < 4; c++) {
                for (int l = 0; l < 32; l++) {
                    int lo = q[64 * c + l] & 15;
                    int hi = q[64 * c + 32 + l] & 15;
                    w.set(ValueLayout.JAVA_BYTE, OFFSET + 48 + 32 * c + l, (byte) (lo | hi << 4));
                }
            }
            float[] expected = new float[256];
            for (int e = 0; e < 256; e++) {
                expected[e] = d * SCALES[e / 32] * q[e] - dmin * MINS[e / 32];
            }
            check(new Q5_KMatmulReference(), w, expected);
            check(new Q5_KMatmul(), w, expected);
        }
    }

    @Test
    void q6kDecodesHandBuiltSuperBlock() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate(OFFSET + 210 + 8);
            float d = -0.0625f;
            int[] scales = {-128, 127, 1, -1, 64, -64, 100, -7, 3, 0, 55, -90, 12, -12, 127, -128};
            int[] q = new int[256];
            for (int e = 0; e < 256; e++) {
                q[e] = (e * 11 + e / 64) % 64 - 32;
            }
            for (int n = 0; n < 2; n++) {
                for (int l = 0; l < 32; l++) {
                    int q1 = q[128 * n + l] + 32;
                    int q2 = q[128 * n + 32 + l] + 32;
                    int q3 = q[128 * n + 64 + l] + 32;
                    int q4 = q[128 * n + 96 + l] + 32;
                    w.set(ValueLayout.JAVA_BYTE, OFFSET + 64 * n + l, (byte) ((q1 & 15) | (q3 & 15) << 4));
                    w.set(ValueLayout.JAVA_BYTE, OFFSET + 64 * n + 32 + l, (byte) ((q2 & 15) | (q4 & 15) << 4));
                    w.set(ValueLayout.JAVA_BYTE, OFFSET + 128 + 32 * n + l,
                            (byte) ((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6));
                }
            }
            for (int s = 0; s < 16; s++) {
                w.set(ValueLayout.JAVA_BYTE, OFFSET + 192 + s, (byte) scales[s]);
            }
            KQuantTestData.setHalf(w, OFFSET + 208, d);
            float[] expected = new float[256];
            for (int e = 0; e < 256; e++) {
                expected[e] = d * scales[e / 16] * q[e];
            }
            check(new Q6_KMatmulReference(), w, expected);
            check(new Q6_KMatmul(), w, expected);
        }
    }

    /** Decodes two copies of the block (one row of 512) into a destination at a non-zero offset. */
    private static void check(MatmulKernel kernel, MemorySegment block, float[] expected) {
        try (Arena arena = Arena.ofConfined()) {
            int bytes = kernel.weightType().blockBytes();
            MemorySegment w = arena.allocate(8 + 2L * bytes + 64, 64);
            MemorySegment.copy(block, OFFSET, w, 8, bytes);
            MemorySegment.copy(block, OFFSET, w, 8 + bytes, bytes);
            MemorySegment dst = arena.allocate(12 + 4 * 512 + 64, 64);
            kernel.decodeRow(w, 8, dst, 12, 512);
            for (int e = 0; e < 512; e++) {
                assertEquals(expected[e % 256], KQuantTestData.getFloat(dst, 12 + 4L * e),
                        kernel.getClass().getSimpleName() + " value " + e);
            }
        }
    }
}
