package dev.smallmind.profile;

import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.Session;
import dev.smallmind.generate.SessionOptions;

import java.util.SplittableRandom;

/**
 * llama-bench's two measurements on one model and thread count: {@code ppN}, evaluating N prompt tokens as one
 * batch from an empty cache, and {@code tgN}, generating N tokens one decode step at a time from an empty cache.
 * Each test first runs for a warm-up time (at least once), then {@code repetitions} times; the result is the
 * mean tokens per second and its standard deviation, as llama-bench reports them. The warm-up is longer than
 * llama-bench's single run because a JIT engine's first runs measure the compiler: C2 compiles the kernels of a
 * prefill over its first seconds, so one warm-up run left pp figures of small models with ±30% spreads.
 */
public final class ThroughputBench {
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
     * @param warmupNanos each test runs unmeasured until this much time has passed, at least once
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
                long warmupEnd = System.nanoTime() + warmupNanos;
                do {
                    prefill(s, tokens, prompt);
                } while (System.nanoTime() - warmupEnd < 0);
                double[] rates = new double[repetitions];
                for (int rep = 0; rep < repetitions; rep++) {
                    rates[rep] = prompt * 1e9 / prefill(s, tokens, prompt);
                }
                pp = summarize("pp" + prompt, rates);
            }
            if (generate > 0) {
                long warmupEnd = System.nanoTime() + warmupNanos;
                do {
                    decode(s, tokens, generate);
                } while (System.nanoTime() - warmupEnd < 0);
                double[] rates = new double[repetitions];
                for (int rep = 0; rep < repetitions; rep++) {
                    rates[rep] = generate * 1e9 / decode(s, tokens, generate);
                }
                tg = summarize("tg" + generate, rates);
            }
        }
        if (pp == null) {
            return tg == null ? new Result[0] : new Result[] {tg};
        }
        return tg == null ? new Result[] {pp} : new Result[] {pp, tg};
    }

    /** @return nanoseconds to evaluate the first {@code n} tokens as one batch from an empty cache */
    private static long prefill(Session s, int[] tokens, int n) {
        s.reset();
        long t0 = System.nanoTime();
        s.evaluate(tokens, 0, n);
        return System.nanoTime() - t0;
    }

    /** @return nanoseconds to evaluate the first {@code n} tokens one decode step at a time from an empty cache */
    private static long decode(Session s, int[] tokens, int n) {
        s.reset();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            s.evaluate(tokens[i]);
        }
        return System.nanoTime() - t0;
    }

    private static Result summarize(String test, double[] rates) {
        Stats s = Stats.of(rates);
        return new Result(test, s.mean(), s.stddev());
    }
}
