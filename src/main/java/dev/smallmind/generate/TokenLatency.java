package dev.smallmind.generate;

import java.util.Arrays;

/**
 * How long a generation's tokens took to come one after the other: the intervals between consecutive tokens
 * handed to the sink (the first token's wait is the time to first token, {@link Timings#firstTokenNanos}, and is
 * not one of them). Percentiles by nearest rank; all zero when fewer than two tokens came.
 *
 * @param intervals how many intervals the figures summarize
 * @param p50Nanos  median interval
 * @param p90Nanos  90th percentile
 * @param p99Nanos  99th percentile
 * @param maxNanos  longest interval
 */
public record TokenLatency(int intervals, long p50Nanos, long p90Nanos, long p99Nanos, long maxNanos) {
    /** No intervals. */
    public static final TokenLatency NONE = new TokenLatency(0, 0, 0, 0, 0);

    /**
     * @param emittedAt the {@link System#nanoTime} at which each token was handed over, in order
     * @param tokens    how many of them are filled in
     * @return the distribution of the {@code tokens - 1} intervals
     */
    static TokenLatency of(long[] emittedAt, int tokens) {
        if (tokens < 2) {
            return NONE;
        }
        long[] intervals = new long[tokens - 1];
        for (int i = 1; i < tokens; i++) {
            intervals[i - 1] = emittedAt[i] - emittedAt[i - 1];
        }
        Arrays.sort(intervals);
        return new TokenLatency(intervals.length, rank(intervals, 50), rank(intervals, 90), rank(intervals, 99),
                intervals[intervals.length - 1]);
    }

    /** The nearest-rank percentile {@code p} of sorted {@code values}. */
    private static long rank(long[] values, int p) {
        int index = (int) Math.ceil(p / 100.0 * values.length) - 1;
        return values[Math.max(0, index)];
    }
}
