package dev.smallmind.profile;

import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.Session;
import dev.smallmind.generate.SessionOptions;

import java.util.SplittableRandom;

/**
 * llama-bench's two measurements on one model and thread count: {@code ppN}, evaluating N prompt tokens as one
 * batch from an empty cache, and {@code tgN}, generating N tokens one decode step at a time from an empty cache.
 * Each test runs once to warm up and then {@code repetitions} times; the result is the mean tokens per second
 * and its standard deviation, as llama-bench reports them.
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
     * @return pp then tg results
     */
    public static Result[] run(LanguageModel lm, int prompt, int generate, int repetitions) {
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
                double[] rates = new double[repetitions];
                for (int rep = -1; rep < repetitions; rep++) {
                    s.reset();
                    long t0 = System.nanoTime();
                    s.evaluate(tokens, 0, prompt);
                    double rate = prompt * 1e9 / (System.nanoTime() - t0);
                    if (rep >= 0) {
                        rates[rep] = rate;
                    }
                }
                pp = summarize("pp" + prompt, rates);
            }
            if (generate > 0) {
                double[] rates = new double[repetitions];
                for (int rep = -1; rep < repetitions; rep++) {
                    s.reset();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < generate; i++) {
                        s.evaluate(tokens[i]);
                    }
                    double rate = generate * 1e9 / (System.nanoTime() - t0);
                    if (rep >= 0) {
                        rates[rep] = rate;
                    }
                }
                tg = summarize("tg" + generate, rates);
            }
        }
        if (pp == null) {
            return tg == null ? new Result[0] : new Result[] {tg};
        }
        return tg == null ? new Result[] {pp} : new Result[] {pp, tg};
    }

    private static Result summarize(String test, double[] rates) {
        Stats s = Stats.of(rates);
        return new Result(test, s.mean(), s.stddev());
    }
}
