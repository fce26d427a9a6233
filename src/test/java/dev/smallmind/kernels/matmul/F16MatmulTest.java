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

    @Test
    void reportsItsType() {
        assertEquals(DType.F16, new F16Matmul().weightType());
        assertEquals(0, new F16Matmul().preparedBytes(17, 67));
    }
}
