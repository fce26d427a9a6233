package dev.smallmind.kernels.matmul;

import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.ValueLayout;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class F32MatmulTest {
    private final FloatMatmulParity parity = new FloatMatmulParity(new F32Matmul(), new F32MatmulReference(), 4,
            (w, offset, value) -> w.set(ValueLayout.JAVA_FLOAT_UNALIGNED, offset, value));

    @ParameterizedTest
    @CsvSource({"37, 67, 1", "37, 67, 3", "37, 67, 17", "11, 131, 1", "11, 131, 3", "11, 131, 17",
            "9, 4099, 1", "9, 4099, 3", "9, 4099, 17", "5, 16, 4", "3, 1, 2", "1, 32, 1",
            "5, 83, 1", "5, 40, 1", "5, 83, 5", "7, 67, 48",
            "6, 33, 101", "37, 67, 32", "11, 131, 40", "9, 130, 128", "5, 83, 47", "7, 67, 64", "5, 83, 63",
            "9, 130, 176", "7, 67, 33", "5, 40, 16", "6, 33, 80", "5, 83, 97"})
    void vectorMatchesReference(int n, int k, int t) {
        parity.checkAgainstReference(n, k, t, 1000L * n + k + t);
    }

    /**
     * Token counts around every boundary between the panel paths at this JVM's vector width (the fixed cases above
     * are placed for 512 bits): one, two, three and four vectors of tokens, each minus and plus one, and a last
     * panel after two whole ones.
     */
    static IntStream panelBoundaryTokens() {
        int lanes = F32Matmul.F.length();
        return IntStream.of(2, lanes - 1, lanes, lanes + 1, 2 * lanes - 1, 2 * lanes, 2 * lanes + 1, 3 * lanes - 1,
                3 * lanes, 3 * lanes + 1, 4 * lanes - 1, 4 * lanes, 4 * lanes + 1, 2 * F32Matmul.PANEL + 3 * lanes + 1)
                .filter(t -> t > 1).distinct();
    }

    @ParameterizedTest
    @MethodSource("panelBoundaryTokens")
    void panelPathsMatchReferenceAtThisWidth(int t) {
        // 7 rows: blocks of four and three single rows, or a block of six and one overlapping it by five; k = 35
        // and 64: a masked tail and none. 16 rows: four blocks of four, or two of six and one overlapping by two.
        // 5 rows: fewer than six, a block of four and a single row at every width.
        parity.checkAgainstReference(7, 35, t, 31L * t);
        parity.checkAgainstReference(7, 64, t, 37L * t);
        parity.checkAgainstReference(16, 35, t, 43L * t);
        parity.checkAgainstReference(5, 35, t, 47L * t);
        parity.checkSplits(9, 35, t, 41L * t);
    }

    @Test
    void speciesIsThePreferredWidthClampedTo128To512Bits() {
        assertEquals(512, F32Matmul.species(1024).vectorBitSize());
        assertEquals(512, F32Matmul.species(512).vectorBitSize());
        assertEquals(256, F32Matmul.species(256).vectorBitSize());
        assertEquals(128, F32Matmul.species(128).vectorBitSize());
        assertEquals(128, F32Matmul.species(64).vectorBitSize());
        int lanes = F32Matmul.F.length();
        assertEquals(F32Matmul.ROWS == 6 ? 2 * lanes : 4 * lanes, F32Matmul.PANEL);
        assertEquals(F32Matmul.ROWS == 6, lanes == 8 && !"aarch64".equals(System.getProperty("os.arch")));
    }

    @ParameterizedTest
    @CsvSource({"37, 67, 1", "37, 131, 17", "13, 4099, 3", "41, 64, 7", "10, 65, 97", "37, 131, 40",
            "37, 67, 64", "21, 67, 50"})
    void splittingRowsDoesNotChangeBits(int n, int k, int t) {
        parity.checkSplits(n, k, t, 7L * n + k + t);
    }

    @Test
    void decodeRowCopiesFloats() {
        parity.checkDecodeRow(67, 3);
    }

    @Test
    void panelGroupsHoldWholePanelsWithinTheByteTarget() {
        assertEquals(F32Matmul.PANEL, F32Matmul.tileTokens(1 << 20));
        int tile = F32Matmul.tileTokens(256);
        assertEquals(0, tile % F32Matmul.PANEL);
        assertTrue(tile > F32Matmul.PANEL);
        assertTrue(4L * 256 * tile <= F32Matmul.TILE_BYTES);
    }

    @Test
    void reportsItsType() {
        assertEquals(DType.F32, new F32Matmul().weightType());
        assertEquals(0, new F32Matmul().preparedBytes(1, 67));
        assertEquals(4L * 67 * F32Matmul.PANEL * 2, new F32Matmul().preparedBytes(F32Matmul.PANEL + 1, 67));
    }
}
