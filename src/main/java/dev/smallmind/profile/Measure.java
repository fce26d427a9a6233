package dev.smallmind.profile;

import dev.smallmind.memory.JitActivity;

/**
 * How a micro-benchmark body is timed: a warm-up, then {@code samples} samples, each timing enough back-to-back
 * calls to last about {@code sampleSeconds} so that fast bodies are not dominated by the clock's resolution.
 *
 * <p>The warm-up runs until C2 has compiled the kernel. Vector API code runs hundreds of times slower in the
 * interpreter and C1 than once C2 has compiled it, and C2 may take a while on a busy machine, so a fixed count
 * would time the interpreter. The warm-up therefore makes at least {@code warmupCalls} calls over at least
 * {@code warmupSeconds}, and goes on until, for three calls and for a third of the warm-up so far, the best call
 * time has not improved by 20% and the JIT compilers have not been at work ({@link JitActivity}); it never takes
 * longer than {@code maxWarmupSeconds}.
 *
 * @param warmupCalls      least warm-up calls
 * @param warmupSeconds    least warm-up time
 * @param maxWarmupSeconds warm-up time after which timing starts regardless
 * @param samples          timed samples
 * @param sampleSeconds    target duration of one sample
 */
public record Measure(int warmupCalls, double warmupSeconds, double maxWarmupSeconds, int samples,
                      double sampleSeconds) {
    /** Settings of the full report. */
    public static final Measure FULL = new Measure(20, 0.3, 4, 5, 0.04);
    /** Settings of {@code --quick}: enough to check that everything runs, not for conclusions. */
    public static final Measure QUICK = new Measure(10, 0.05, 0.5, 3, 0.005);
    private static final int STABLE_CALLS = 3;
    private static final double IMPROVEMENT = 0.8;

    /**
     * @throws IllegalArgumentException for non-positive counts or durations
     */
    public Measure {
        if (warmupCalls < 1 || samples < 1 || !(warmupSeconds > 0) || !(maxWarmupSeconds >= warmupSeconds)
                || !(sampleSeconds > 0)) {
            throw new IllegalArgumentException("measure settings must be positive (max warm-up >= warm-up): "
                    + warmupCalls + " warm-up calls, " + warmupSeconds + " s to " + maxWarmupSeconds + " s, "
                    + samples + " samples, " + sampleSeconds + " s");
        }
    }

    /**
     * @param body one call of the measured work
     * @return seconds per call, one value per sample
     */
    public double[] secondsPerCall(Runnable body) {
        long start = System.nanoTime();
        long least = (long) (warmupSeconds * 1e9);
        long most = (long) (maxWarmupSeconds * 1e9);
        long best = Long.MAX_VALUE;
        long improved = start;
        int calls = 0;
        int stable = 0;
        long compiling = JitActivity.millis();
        while (true) {
            long t0 = System.nanoTime();
            body.run();
            long t1 = System.nanoTime();
            long took = Math.max(1, t1 - t0);
            calls++;
            long compiled = JitActivity.millis();
            if (took < IMPROVEMENT * best || compiled != compiling) {
                stable = 0;
                improved = t1;
            } else {
                stable++;
            }
            compiling = compiled;
            best = Math.min(best, took);
            long elapsed = t1 - start;
            boolean settled = stable >= STABLE_CALLS && 3 * (t1 - improved) >= elapsed;
            if (elapsed >= most || calls >= warmupCalls && elapsed >= least && settled) {
                break;
            }
        }
        int perSample = (int) Math.max(1, Math.min(1_000_000, Math.ceil(sampleSeconds * 1e9 / best)));
        double[] seconds = new double[samples];
        for (int s = 0; s < samples; s++) {
            long t0 = System.nanoTime();
            for (int c = 0; c < perSample; c++) {
                body.run();
            }
            seconds[s] = Math.max(1, System.nanoTime() - t0) / 1e9 / perSample;
        }
        return seconds;
    }
}
