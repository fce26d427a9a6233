package dev.smallmind.generate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TokenLatencyTest {
    @Test
    void percentilesAreNearestRanksOfTheIntervals() {
        // 101 tokens whose intervals are 1..100 ns, shuffled in time order
        long[] at = new long[101];
        int[] order = new int[100];
        for (int i = 0; i < 100; i++) {
            order[i] = (i * 37) % 100 + 1;
        }
        for (int i = 1; i <= 100; i++) {
            at[i] = at[i - 1] + order[i - 1];
        }
        assertEquals(new TokenLatency(100, 50, 90, 99, 100), TokenLatency.of(at, 101));
    }

    @Test
    void fewIntervalsTakeTheRankAboveAndUnfilledTimesAreIgnored() {
        long[] at = {1000, 1010, 1040, 1045, 0, 0};
        // intervals 10, 30, 5: sorted 5, 10, 30; ranks ceil(0.5 * 3) = 2, ceil(0.9 * 3) = 3, ceil(0.99 * 3) = 3
        assertEquals(new TokenLatency(3, 10, 30, 30, 30), TokenLatency.of(at, 4));
    }

    @Test
    void fewerThanTwoTokensHaveNoIntervals() {
        assertEquals(TokenLatency.NONE, TokenLatency.of(new long[] {5}, 1));
        assertEquals(TokenLatency.NONE, TokenLatency.of(new long[0], 0));
        assertEquals(0, TokenLatency.NONE.intervals());
    }
}
