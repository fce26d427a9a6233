package dev.smallmind.kernels.matmul;

import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class F16MatmulTest {
    private final FloatMatmulParity parity = new FloatMatmulParity(new F16Matmul(), new F16MatmulReference(), 2,
            (w, offset, value) -> w.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset, Float.floatToFloat16(value)));

    // k = 123 and 251 leave, after the unrolled one-token loop, 2 or 3 whole vectors and a scalar tail at 16, 8
    // and 4 float lanes (AVX-512, AVX2, SSE/NEON), so every width takes every remainder path.
    @ParameterizedTest
    @CsvSource({"37, 67, 1", "37, 67, 3", "37, 67, 17", "11, 131, 1", "11, 131, 3", "11, 131, 17",
            "9, 4099, 1", "9, 4099, 3", "9, 4099, 17", "5, 16, 4", "3, 1, 2", "1, 32, 1",
            "5, 83, 1", "5, 40, 1", "5, 83, 5", "7, 123, 1", "7, 123, 5", "7, 251, 8"})
    void vectorMatchesReference(int n, int k, int t) {
        parity.checkAgainstReference(n, k, t, 2000L * n + k + t);
    }

    @ParameterizedTest
    @CsvSource({"37, 67, 1", "37, 131, 17", "13, 4099, 3", "41, 64, 7", "37, 123, 1", "37, 251, 5"})
    void splittingRowsDoesNotChangeBits(int n, int k, int t) {
        parity.checkSplits(n, k, t, 11L * n + k + t);
    }

    @Test
    void decodeRowMatchesReferenceAtOddLengths() {
        parity.checkDecodeRow(67, 5);
        parity.checkDecodeRow(4099, 6);
        parity.checkDecodeRow(123, 7);
    }

    @Test
    void everyHalfPatternWidensLikeFloat16ToFloat() {
        try (Arena arena = Arena.ofShared()) {
            int count = 1 << 16;
            long offset = 2 * 3;
            MemorySegment halves = arena.allocate(offset + 2L * count, 64);
            for (int bits = 0; bits < count; bits++) {
                halves.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset + 2L * bits, (short) bits);
            }
            MemorySegment floats = arena.allocate(4L * count + 8, 64);
            new F16Matmul().decodeRow(halves, offset, floats, 4, count);
            int nans = 0;
            for (int bits = 0; bits < count; bits++) {
                float expected = Float.float16ToFloat((short) bits);
                float actual = floats.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4 + 4L * bits);
                if (Float.isNaN(expected)) {
                    assertTrue(Float.isNaN(actual), "half 0x" + Integer.toHexString(bits) + " must widen to NaN");
                    nans++;
                } else {
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                            "half 0x" + Integer.toHexString(bits));
                }
            }
            assertEquals(2 * 1023, nans);
        }
    }

    /**
     * The one-token product widens weights without the infinity and NaN fix-up and redoes a row that holds such a
     * weight exactly: every row here holds one special (or the largest finite half) in a different place, the
     * unrolled blocks, the remaining whole vectors or the scalar tail, and gets the reference's infinity, NaN or
     * value.
     */
    @Test
    void oneTokenRowsWithInfinitiesAndNaNsAreExact() {
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        int k = 8 * lanes + lanes + 3;
        short[] specials = {0x7C00, (short) 0xFC00, 0x7E00, 0x7C01, (short) 0xFFFF, 0x7BFF, (short) 0xFBFF};
        int[] places = {0, 3 * lanes + 1, 8 * lanes + 2, k - 1};
        int n = specials.length * places.length;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment w = arena.allocate(2L * n * k, 64);
            MemorySegment x = arena.allocate(4L * k, 64);
            java.util.SplittableRandom random = new java.util.SplittableRandom(5);
            for (int i = 0; i < k; i++) {
                x.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * i, (float) random.nextDouble(0.5, 1.5));
            }
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < k; i++) {
                    w.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * (r * k + i),
                            Float.floatToFloat16((float) random.nextDouble(0.01, 0.1)));
                }
                int at = places[r % places.length];
                w.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * (r * k + at), specials[r / places.length]);
            }
            MemorySegment y = arena.allocate(4L * n, 64);
            MemorySegment expected = arena.allocate(4L * n, 64);
            new F16Matmul().multiply(w, 0, k, x, 0, 1, y, 0, n, 0, n);
            new F16MatmulReference().multiply(w, 0, k, x, 0, 1, expected, 0, n, 0, n);
            for (int r = 0; r < n; r++) {
                float want = expected.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * r);
                float got = y.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * r);
                String row = "row " + r + ": half 0x" + Integer.toHexString(specials[r / places.length] & 0xFFFF)
                        + " at " + places[r % places.length];
                if (Float.isNaN(want) || Float.isInfinite(want)) {
                    assertEquals(want, got, row);
                } else {
                    assertEquals(want, got, Math.abs(want) * 1e-5, row);
                }
            }
        }
    }

    @Test
    void reportsItsType() {
        assertEquals(DType.F16, new F16Matmul().weightType());
        assertEquals(0, new F16Matmul().preparedBytes(17, 67));
    }
}
