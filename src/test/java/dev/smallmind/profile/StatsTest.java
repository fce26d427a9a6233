package dev.smallmind.profile;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StatsTest {
    @Test
    void oddCountSummaryMatchesHandComputedValues() {
        Stats s = Stats.of(new double[] {4, 1, 3, 2, 10});
        assertEquals(5, s.count());
        assertEquals(3, s.median());
        assertEquals(4, s.mean());
        // squares of deviations: 0 + 9 + 1 + 4 + 36 = 50, / (n - 1) = 12.5
        assertEquals(Math.sqrt(12.5), s.stddev(), 1e-12);
        assertEquals(1, s.min());
        assertEquals(10, s.max());
    }

    @Test
    void evenCountMedianIsTheMeanOfTheMiddleTwo() {
        Stats s = Stats.of(new double[] {8, 2, 6, 4});
        assertEquals(5, s.median());
        assertEquals(5, s.mean());
        assertEquals(Math.sqrt(20.0 / 3), s.stddev(), 1e-12);
    }

    @Test
    void singleSampleHasNoSpread() {
        Stats s = Stats.of(new double[] {7.5});
        assertEquals(7.5, s.median());
        assertEquals(0, s.stddev());
        assertEquals(7.5, s.min());
        assertEquals(7.5, s.max());
    }

    @Test
    void inputIsNotReordered() {
        double[] samples = {3, 1, 2};
        Stats.of(samples);
        assertEquals(3, samples[0]);
        assertEquals(1, samples[1]);
    }

    @Test
    void ratesAreSummarizedPerSample() {
        // 10 units of work in 1 s, 2 s and 4 s: rates 10, 5, 2.5; the median rate is 5 (a rate really observed)
        Stats s = Stats.rates(10, new double[] {1, 2, 4});
        assertEquals(5, s.median());
        assertEquals(2.5, s.min());
        assertEquals(10, s.max());
        assertEquals(17.5 / 3, s.mean(), 1e-12);
    }

    @Test
    void rejectsEmptyAndNonFiniteSamplesAndNonPositiveTimes() {
        assertThrows(IllegalArgumentException.class, () -> Stats.of(new double[0]));
        assertThrows(IllegalArgumentException.class, () -> Stats.of(new double[] {1, Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> Stats.of(new double[] {Double.POSITIVE_INFINITY}));
        assertThrows(IllegalArgumentException.class, () -> Stats.rates(1, new double[] {0}));
        assertThrows(IllegalArgumentException.class, () -> Stats.rates(1, new double[] {-1}));
    }
}
