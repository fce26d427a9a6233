package dev.smallmind.profile;

import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.Session;
import dev.smallmind.generate.SessionOptions;

import java.util.SplittableRandom;

/**
 * llama-bench's two measurements on one model and thread count: {@code ppN}, evaluating N prompt tokens as one
 * batch from an empty cache, and {@code tgN}, generating N tokens one decode step at a time from an empty cache.
 * Each test first runs unmeasured until it is warm, then {@code repetitions} times; the result is the mean
 * tokens per second and its standard deviation, as llama-bench reports them. Warm means: at least the warm-up
 * time has passed and {@value #SETTLED_RUNS} runs in a row were no more than 5% faster than the best before them
 * (at most {@value #MAX_WARMUP_SECONDS} s). llama-bench's single warm-up run is not enough for a JIT engine: the
 * first prefill of the small preset takes about 4 s (interpreter and C1 code), and the next dozen runs speed up
 * 2-5x while C2 compiles the kernels; a fixed 2 s left pp figures with ±40% spreads.
 */
public final class ThroughputBench {
    private static final int SETTLED_RUNS = 3;
    private static final int MAX_WARMUP_SECONDS = 60;

    private ThroughputBench() {
    }

    /**
     * One measured test.
     *
     * @param test   {@code pp128}, {@code tg64}, ...
     * @param tokS   mean tokens per second
     * @param stddev standard deviation of tokens per second over the repetitions
     */
    public record Result(String test, double tokS, double stddev) {
    }

    /**
     * @param lm          the model, opened with the thread count to measure
     * @param prompt      tokens of the pp test (0 skips it)
     * @param generate    tokens of the tg test (0 skips it)
     * @param repetitions measured runs of each test
     * @param warmupNanos least time each test runs unmeasured before it counts as warm
     * @return pp then tg results
     */
    public static Result[] run(LanguageModel lm, int prompt, int generate, int repetitions, long warmupNanos) {
        int vocab = lm.model().config().vocabSize();
        int ctx = Math.max(prompt, generate) + 1;
        int[] tokens = new int[Math.max(prompt, generate)];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(vocab);
        }
        Result pp = null;
        Result tg = null;
        try (Session s = lm.newSession(new SessionOptions(ctx, Math.max(prompt, 1)))) {
            if (prompt > 0) {
                warmUp(s, tokens, prompt, true, warmupNanos);
                double[] rates = new double[repetitions];
                for (int rep = 0; rep < repetitions; rep++) {
                    rates[rep] = prompt * 1e9 / time(s, tokens, prompt, true);
                }
                pp = summarize("pp" + prompt, rates);
            }
            if (generate > 0) {
                warmUp(s, tokens, generate, false, warmupNanos);
                double[] rates = new double[repetitions];
                for (int rep = 0; rep < repetitions; rep++) {
                    rates[rep] = generate * 1e9 / time(s, tokens, generate, false);
                }
                tg = summarize("tg" + generate, rates);
            }
        }
        if (pp == null) {
            return tg == null ? new Result[0] : new Result[] {tg};
        }
        return tg == null ? new Result[] {pp} : new Result[] {pp, tg};
    }

    private static void warmUp(Session s, int[] tokens, int n, boolean batch, long warmupNanos) {
        long start = System.nanoTime();
        long best = Long.MAX_VALUE;
        int settled = 0;
        while (true) {
            long t = time(s, tokens, n, batch);
            if (t < best - best / 20) {
                settled = 0;
            } else {
                settled++;
            }
            best = Math.min(best, t);
            long elapsed = System.nanoTime() - start;
            if (settled >= SETTLED_RUNS && elapsed >= warmupNanos || elapsed >= MAX_WARMUP_SECONDS * 1_000_000_000L) {
                return;
            }
        }
    }

    /**
     * @param batch true: the first {@code n} tokens as one batch (pp); false: one decode step each (tg)
     * @return nanoseconds of one run from an empty cache
     */
    private static long time(Session s, int[] tokens, int n, boolean batch) {
        s.reset();
        long t0 = System.nanoTime();
        if (batch) {
            s.evaluate(tokens, 0, n);
        } else {
            for (int i = 0; i < n; i++) {
                s.evaluate(tokens[i]);
            }
        }
        return System.nanoTime() - t0;
    }

    private static Result summarize(String test, double[] rates) {
        Stats s = Stats.of(rates);
        return new Result(test, s.mean(), s.stddev());
    }
}
