package dev.smallmind.generate;

/**
 * Where the time of one generation went.
 *
 * @param promptTokens    tokens evaluated in the prefill
 * @param prefillNanos    time of the prefill (prompt evaluation)
 * @param firstTokenNanos from the start of the call to the first generated token
 * @param decodeTokens    tokens evaluated one at a time after the prefill
 * @param decodeNanos     time of those decode steps, sampling included
 * @param tokenLatency    the spread of the intervals between generated tokens (a decode step each, with its
 *                        sampling and the sink's own time)
 */
public record Timings(int promptTokens, long prefillNanos, long firstTokenNanos, int decodeTokens, long decodeNanos,
                      TokenLatency tokenLatency) {
    /** @return prompt tokens per second (0 when nothing was measured) */
    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens * 1e9 / prefillNanos;
    }

    /** @return generated tokens per second in the decode phase */
    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : decodeTokens * 1e9 / decodeNanos;
    }

    /** @return time to first token in milliseconds */
    public double firstTokenMillis() {
        return firstTokenNanos / 1e6;
    }
}
