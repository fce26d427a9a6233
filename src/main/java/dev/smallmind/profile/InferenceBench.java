package dev.smallmind.profile;

import dev.smallmind.generate.DecodeMemory;
import dev.smallmind.generate.GenerationOptions;
import dev.smallmind.generate.GenerationResult;
import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.SamplerSettings;
import dev.smallmind.generate.Session;
import dev.smallmind.generate.SessionOptions;
import dev.smallmind.generate.Timings;
import dev.smallmind.generate.TokenSink;
import dev.smallmind.graph.Graph;
import dev.smallmind.graph.Plan;
import dev.smallmind.model.ModelConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * End-to-end inference on one model file: for each thread count, a greedy generation of {@code generateTokens}
 * tokens from a random prompt of {@code promptTokens} tokens, repeated as a warm-up until the decode speed stops
 * improving by more than 10% (at least twice, at most {@code warmupSeconds}), and then {@code repetitions} times,
 * reporting prefill and decode tokens per second and the time to first token as the engine's own
 * {@link Timings} measured them, with the decode phase's garbage collections and heap allocation. With the last
 * (largest) thread count it also records the plans, the KV-cache cost, resident memory around the load and a
 * per-op profile of {@code profileSteps} decode steps.
 */
final class InferenceBench {
    private InferenceBench() {
    }

    /**
     * Sizes of the inference measurements.
     *
     * @param promptTokens   tokens of the prompt (the prefill batch)
     * @param generateTokens tokens generated per run (the first comes from the prefill's logits)
     * @param repetitions    measured runs per thread count
     * @param profileSteps   decode steps of the per-op profile
     * @param warmupSeconds  time after which the warm-up generations stop even if still getting faster
     */
    record Workload(int promptTokens, int generateTokens, int repetitions, int profileSteps, double warmupSeconds) {
        /**
         * @throws IllegalArgumentException for non-positive sizes
         */
        Workload {
            if (promptTokens < 1 || generateTokens < 2 || repetitions < 1 || profileSteps < 1 || !(warmupSeconds > 0)) {
                throw new IllegalArgumentException("inference workload sizes must be positive (generate >= 2): "
                        + promptTokens + ", " + generateTokens + ", " + repetitions + ", " + profileSteps + ", "
                        + warmupSeconds + " s");
            }
        }

        int contextLength() {
            return promptTokens + Math.max(generateTokens, profileSteps) + 1;
        }
    }

    /**
     * Figures of one thread count.
     *
     * @param threads           threads of the model's pool
     * @param prefill           prompt tokens per second
     * @param decode            generated tokens per second (sampling included)
     * @param firstTokenMillis  time from the start of the generation to the first token
     * @param tokenMillisP50    per repetition, the median interval between generated tokens
     * @param tokenMillisP99    per repetition, the 99th percentile of those intervals
     * @param gcCollections     collections during the measured decode phases
     * @param heapBytesPerToken heap bytes allocated per decoded token (caller and workers)
     */
    record Run(int threads, Stats prefill, Stats decode, Stats firstTokenMillis, Stats tokenMillisP50,
               Stats tokenMillisP99, long gcCollections, double heapBytesPerToken) {
    }

    /**
     * Everything measured on one model.
     *
     * @param name            short name used in figure ids
     * @param shape           configuration summary
     * @param workload        sizes it ran with
     * @param fileBytes       size of the model file
     * @param runs            one per thread count
     * @param decodePlan      planner report of the one-token graph
     * @param prefillPlan     planner report of the prompt-batch graph
     * @param kvBytesPerToken KV-cache bytes per position
     * @param rssBefore       resident bytes before opening the model (-1 when unknown)
     * @param rssLoaded       after opening it and creating a session
     * @param rssAfterRun     after the warm-up generations (the weights have been read)
     * @param profile         per-op profile of decode steps with the largest thread count
     */
    record ModelResult(String name, String shape, Workload workload, long fileBytes, List<Run> runs,
                       Plan decodePlan, Plan prefillPlan, long kvBytesPerToken, long rssBefore, long rssLoaded,
                       long rssAfterRun, OpProfile profile) {
    }

    /**
     * @param name     short name
     * @param file     GGUF model
     * @param threads  thread counts, in order (the last one is profiled)
     * @param workload sizes
     * @param tick     called after each thread count (progress)
     * @return the figures
     * @throws IOException when the file cannot be read
     */
    static ModelResult run(String name, Path file, int[] threads, Workload workload, Runnable tick)
            throws IOException {
        List<Run> runs = new ArrayList<>();
        long rssBefore = -1;
        long rssLoaded = -1;
        long rssAfterRun = -1;
        Plan decodePlan = null;
        Plan prefillPlan = null;
        long kvPerToken = 0;
        long fileBytes = 0;
        String shape = "";
        OpProfile profile = null;
        for (int ti = 0; ti < threads.length; ti++) {
            boolean first = ti == 0;
            boolean last = ti == threads.length - 1;
            if (first) {
                rssBefore = ResidentMemory.bytes();
            }
            try (LanguageModel lm = LanguageModel.open(file, threads[ti]);
                 Session session = lm.newSession(new SessionOptions(workload.contextLength(),
                         workload.promptTokens()))) {
                lm.warmUp();
                ModelConfig c = lm.model().config();
                fileBytes = lm.model().fileBytes();
                shape = c.architecture().ggufName() + " dim " + c.dim() + ", " + c.layers() + " layers, " + c.heads()
                        + "/" + c.kvHeads() + " heads, ffn " + c.ffnDim() + ", vocab " + c.vocabSize() + ", "
                        + lm.model().weights().layers()[0].down().type().ggmlName();
                if (first) {
                    rssLoaded = ResidentMemory.bytes();
                }
                int[] prompt = randomTokens(workload.promptTokens(), c.vocabSize());
                GenerationOptions options = new GenerationOptions(workload.generateTokens(), SamplerSettings.GREEDY,
                        List.of(), false);
                warmUp(session, prompt, options, workload.warmupSeconds());
                if (first) {
                    rssAfterRun = ResidentMemory.bytes();
                }
                runs.add(measure(session, prompt, options, threads[ti], workload.repetitions()));
                if (last) {
                    decodePlan = session.decodePlan().plan();
                    prefillPlan = session.prefillPlan().plan();
                    kvPerToken = session.kvBytesPerToken();
                    profile = profile(session, prompt, workload.profileSteps());
                }
            }
            tick.run();
        }
        return new ModelResult(name, shape, workload, fileBytes, runs, decodePlan, prefillPlan, kvPerToken, rssBefore,
                rssLoaded, rssAfterRun, profile);
    }

    /**
     * Generates at least twice, and on while a generation still improves the decode speed by 10% (C2 is still
     * replacing code) or its decode allocated heap, and time is left. The JIT's own activity is not consulted here:
     * over a generation of seconds some unrelated compilation nearly always happens. Allocation is: vector code
     * running interpreted or in C1, as after a deoptimization, boxes vectors (a 2-thread phase begins with the
     * pool's 1-thread branch deoptimized in its compiled callers), and a measurement should not start on that.
     */
    private static void warmUp(Session session, int[] prompt, GenerationOptions options, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        double best = 0;
        int runs = 0;
        while (true) {
            GenerationResult result = session.generate(prompt, options, TokenSink.NONE);
            double rate = result.timings().decodeTokensPerSecond();
            runs++;
            boolean improved = rate > 1.1 * best;
            best = Math.max(best, rate);
            boolean settled = !improved && result.memory().heapBytes() == 0;
            if (runs >= 2 && settled || System.nanoTime() > end) {
                return;
            }
        }
    }

    private static Run measure(Session session, int[] prompt, GenerationOptions options, int threads, int reps) {
        double[] prefill = new double[reps];
        double[] decode = new double[reps];
        double[] first = new double[reps];
        double[] p50 = new double[reps];
        double[] p99 = new double[reps];
        long gc = 0;
        long heap = 0;
        long tokens = 0;
        for (int r = 0; r < reps; r++) {
            GenerationResult result = session.generate(prompt, options, TokenSink.NONE);
            Timings t = result.timings();
            prefill[r] = t.prefillTokensPerSecond();
            decode[r] = t.decodeTokensPerSecond();
            first[r] = t.firstTokenMillis();
            p50[r] = t.tokenLatency().p50Nanos() / 1e6;
            p99[r] = t.tokenLatency().p99Nanos() / 1e6;
            DecodeMemory m = result.memory();
            gc += m.gcCollections();
            heap += m.heapBytes();
            tokens += m.tokens();
        }
        return new Run(threads, Stats.of(prefill), Stats.of(decode), Stats.of(first), Stats.of(p50), Stats.of(p99), gc,
                tokens == 0 ? 0 : (double) heap / tokens);
    }

    private static OpProfile profile(Session session, int[] prompt, int steps) {
        Graph graph = session.decodePass().graph();
        session.reset();
        session.evaluate(prompt, 0, prompt.length);
        graph.profile(true);
        try {
            for (int i = 0; i < steps; i++) {
                session.evaluate(prompt[i % prompt.length]);
            }
            return OpProfile.of(graph);
        } finally {
            graph.profile(false);
        }
    }

    private static int[] randomTokens(int n, int vocab) {
        SplittableRandom r = new SplittableRandom(42);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(vocab);
        }
        return t;
    }
}
