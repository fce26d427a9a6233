package dev.smallmind.profile;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MeasureTest {
    @Test
    void warmsUpThenTimesTheRequestedSamples() {
        int[] calls = {0};
        Measure m = new Measure(5, 0.001, 0.5, 4, 0.001);
        double[] s = m.secondsPerCall(() -> {
            calls[0]++;
            busy(20_000);
        });
        assertEquals(4, s.length);
        for (double x : s) {
            assertTrue(x > 0 && Double.isFinite(x), "seconds per call " + x);
        }
        assertTrue(calls[0] >= 5 + 4, "at least the warm-up calls and one call per sample, got " + calls[0]);
    }

    @Test
    void aBodySlowerThanTheWarmupLimitStillYieldsSamples() {
        int[] calls = {0};
        Measure m = new Measure(100, 0.001, 0.002, 2, 0.0001);
        double[] s = m.secondsPerCall(() -> {
            calls[0]++;
            busy(2_000_000);
        });
        assertEquals(2, s.length);
        assertTrue(calls[0] < 100, "the warm-up stopped at its time limit, not after " + calls[0] + " calls");
    }

    @Test
    void rejectsNonPositiveSettings() {
        assertThrows(IllegalArgumentException.class, () -> new Measure(0, 1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Measure(1, 1, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Measure(1, 2, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Measure(1, 1, 1, 1, 0));
    }

    private static long sink;

    private static void busy(int n) {
        long s = sink;
        for (int i = 0; i < n; i++) {
            s = s * 6364136223846793005L + 1442695040888963407L;
        }
        sink = s;
    }
}
