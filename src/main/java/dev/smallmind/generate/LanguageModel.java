package dev.smallmind.generate;

import dev.smallmind.memory.JitActivity;
import dev.smallmind.model.KernelWarmUp;
import dev.smallmind.model.Model;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.DType;
import dev.smallmind.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The entry point for services: a model file opened once (weights mapped, tokenizer built) with the engine's
 * worker pool. Immutable and thread-safe; create one {@link Session} per conversation or request stream.
 *
 * <pre>{@code
 * try (LanguageModel lm = LanguageModel.open(Path.of("model.gguf"), 4);
 *      Session s = lm.newSession(SessionOptions.DEFAULTS)) {
 *     lm.warmUp();
 *     GenerationResult r = s.generate("Once upon a time", GenerationOptions.greedy(64), TokenSink.NONE);
 *     System.out.println(r.text());
 * }
 * }</pre>
 *
 * <p>JVM flags: {@code --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
 * -XX:TypeProfileLevel=0 -XX:LiveNodeCountInliningCutoff=80000}, as the {@code smallmind} launcher passes them.
 * Without {@code TypeProfileLevel=0}, Q4_0, Q8_0, Q5_0, Q4_K and Q6_K models run the GGUF-row kernels instead of
 * the interleaved ones, at a half to a third of the decode speed ({@code kernels.VectorHardware#exactVectorTyping});
 * without the raised cut-off C2 occasionally leaves a vector operation of a large kernel method as an allocating
 * call.
 */
public final class LanguageModel implements AutoCloseable {
    /** Longest the decode part of {@link #warmUp} runs. */
    private static final int DECODE_WARMUP_SECONDS = 20;
    /**
     * Prompt lengths of the warm-up generations, in turn: one long enough for the panel prefill, one for the
     * kernels' own token tiles, one single token.
     */
    private static final int[] WARMUP_PROMPTS = {20, 5, 1};
    /**
     * Positions of the rehearsed decode steps ({@link Session#rehearseDecode}): the attention kernels take other
     * paths below one vector of scores, at whole vectors, past their four-block loops and at long contexts, and
     * each path should be in the profile C2 compiles from, or the first long request recompiles mid-decode.
     */
    private static final int[] REHEARSAL_POSITIONS = {0, 1, 3, 15, 16, 17, 63, 64, 100, 255, 511, 1023};
    /**
     * Tokens each warm-up generation decodes: the rehearsal has compiled the graph's ops, so the generations only
     * compile the loop around them (sampling, stop checks) and the prompt paths; on the large preset a token costs
     * 40-80 ms, so 43 tokens made each generation 2-4 s.
     */
    private static final int WARMUP_DECODE_STEPS = 16;
    /** A warm-up generation allocating less than this per decoded token shows compiled code. */
    private static final int SETTLED_BYTES_PER_TOKEN = 64;
    /**
     * Enough when no compilation ran during the generation: in a JVM whose other code has shaped the JIT's profiles
     * (a test suite, a service), a little allocation can stay, and waiting for it to vanish would take the whole
     * {@value #DECODE_WARMUP_SECONDS} s every time.
     */
    private static final int QUIET_BYTES_PER_TOKEN = 1024;
    /** Runs of each cheap node of one layer over all rehearsed positions: past C2's thresholds of some thousands. */
    private static final int REHEARSAL_RUNS = 3000;
    private final Model model;
    private final Tokenizer tokenizer;
    private final WorkerPool pool;
    private final long openNanos;
    /** Heap bytes per token of the last warm-up generation; NaN until {@link #warmUp} has run one. */
    private double warmUpBytesPerToken = Double.NaN;
    private boolean warmUpSettled;

    private LanguageModel(Model model, Tokenizer tokenizer, WorkerPool pool, long openNanos) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.pool = pool;
        this.openNanos = openNanos;
    }

    /**
     * @param path    GGUF file
     * @param threads worker threads (1 to {@link WorkerPool#MAX_THREADS})
     * @return the opened model
     * @throws IOException when the file cannot be read
     * @throws dev.smallmind.model.ModelLoadException when it cannot be run (names what and why)
     * @throws dev.smallmind.model.gguf.GgufFormatException when it is not a valid GGUF (names the offset)
     */
    public static LanguageModel open(Path path, int threads) throws IOException {
        long start = System.nanoTime();
        WorkerPool pool = new WorkerPool(threads);
        try {
            Model model = Model.open(path, pool);
            try {
                Tokenizer tokenizer = Tokenizer.fromGguf(model.gguf());
                return new LanguageModel(model, tokenizer, pool, System.nanoTime() - start);
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /**
     * Compiles the decode and prompt paths before the first request, in three parts. First the kernels of this
     * model's weight types run in a tight loop over its own weights ({@link KernelWarmUp}): decode then runs the
     * code C2 makes of a steady loop, which was about 50% faster for Q4_0 than what it usually made when the
     * kernels first got hot inside the graph; and their many-token products, with the F32 GEMM, until C2 has
     * compiled the GEMM (a first 91-token prompt took 1.7-2.6 s instead of 0.3 s without). Then a throwaway session rehearses decode steps at positions from 0 to 1023, running the
     * cheap nodes (norms, attention, activations) thousands of times over all positions so C2 compiles them, with
     * every attention path in their profile, however few layers the model has, and then a prompt step of a whole
     * batch the same way (the prompt path's attention: at 256 bits stories260K's first 100-token prompt otherwise ran
     * it C1-compiled, 5-6 MB of boxed vectors). Then it generates, greedy and
     * sampled in turn from prompts of 20, 5 and 1 tokens, until a generation's decode allocates less than
     * {@value #SETTLED_BYTES_PER_TOKEN} bytes of heap per token (interpreted or C1-compiled Vector API code boxes
     * every vector it touches; the steady state is 0), or under {@value #QUIET_BYTES_PER_TOKEN} bytes with no
     * compilation running meanwhile, at most {@value #DECODE_WARMUP_SECONDS} s: the first
     * request's prompt and decode then run compiled, allocation-free code. Takes 1 to 4 s per matrix kernel, about
     * 2 s of rehearsal, and the generations (usually a few seconds, up to {@value #DECODE_WARMUP_SECONDS} on a busy
     * machine); call once after {@link #open}.
     *
     * @return nanoseconds spent
     */
    public long warmUp() {
        return warmUp(SessionOptions.DEFAULTS);
    }

    /**
     * {@link #warmUp()} with the KV cache type the sessions will use: the attention kernels read an F16 and an F32
     * cache through loops of their own, and a type the warm-up did not run meets loops C2 has not compiled and a
     * branch it compiled as never taken (a deoptimization, then interpreted code allocating megabytes per token
     * until C2 compiles again). A JVM whose sessions use both types warms up once with each.
     *
     * @param options the sessions' options; only their KV cache type matters here
     * @return nanoseconds spent
     */
    public long warmUp(SessionOptions options) {
        return warmUp(options, Duration.ofSeconds(DECODE_WARMUP_SECONDS));
    }

    /**
     * {@link #warmUp(SessionOptions)} with another limit for its generations: they stop at the first one that
     * allocates no more (then {@link #warmUpSettled()}) or at the first to end after {@code decodeLimit}.
     *
     * @param options     the sessions' options; only their KV cache type matters here
     * @param decodeLimit longest the warm-up generations run (one generation at least)
     * @return nanoseconds spent
     */
    public long warmUp(SessionOptions options, Duration decodeLimit) {
        long start = System.nanoTime();
        KernelWarmUp.run(model);
        warmUpSettled = warmUpDecode(options.kvType(), decodeLimit.toNanos());
        return System.nanoTime() - start;
    }

    /**
     * Whether the last {@link #warmUp} ended on a generation that allocated (next to) nothing, its purpose. When it
     * stopped at its time limit instead, C2 has likely compiled some vector code of this JVM into allocating calls
     * before the warm-up's generations, which then stay (docs/architecture.md, "Several models in one JVM"):
     * requests will allocate about {@link #warmUpHeapBytesPerToken()} per token and run slower. A new JVM rarely
     * meets it again; a service can check this after warm-up and restart.
     *
     * @return false before any warm-up and after one that did not settle
     */
    public boolean warmUpSettled() {
        return warmUpSettled;
    }

    /** @return heap bytes per decoded token of the last warm-up generation, NaN before any warm-up */
    public double warmUpHeapBytesPerToken() {
        return warmUpBytesPerToken;
    }

    /** @return whether a generation settled before {@code limitNanos} ran out */
    private boolean warmUpDecode(DType kvType, long limitNanos) {
        int contextLength = model.config().contextLength();
        int steps = Math.min(WARMUP_DECODE_STEPS, contextLength - WARMUP_PROMPTS[0] - 1);
        int vocab = model.config().vocabSize();
        GenerationOptions[] kinds = {
                new GenerationOptions(steps, SamplerSettings.GREEDY, List.of(), false),
                new GenerationOptions(steps, SamplerSettings.defaults(1), List.of(), false)};
        int rehearsed = Math.min(contextLength, REHEARSAL_POSITIONS[REHEARSAL_POSITIONS.length - 1] + 1);
        try (Session s = newSession(new SessionOptions(Math.max(rehearsed, steps + WARMUP_PROMPTS[0] + 1),
                WARMUP_PROMPTS[0], kvType))) {
            rehearse(s, rehearsed, REHEARSAL_RUNS);
            s.rehearsePrompt((REHEARSAL_RUNS + model.config().layers() - 1) / model.config().layers());
            long deadline = System.nanoTime() + limitNanos;
            for (int pass = 0; steps > 0; pass++) {
                int[] prompt = new int[WARMUP_PROMPTS[pass % WARMUP_PROMPTS.length]];
                for (int i = 0; i < prompt.length; i++) {
                    prompt[i] = (pass + i) % vocab;
                }
                s.reset();
                long compiling = JitActivity.millis();
                GenerationResult r = s.generate(prompt, kinds[pass % kinds.length], TokenSink.NONE);
                double bytes = r.memory().heapBytesPerToken();
                warmUpBytesPerToken = bytes;
                boolean jitQuiet = JitActivity.millis() == compiling;
                if (pass > 0 && (bytes < SETTLED_BYTES_PER_TOKEN || jitQuiet && bytes < QUIET_BYTES_PER_TOKEN)) {
                    return true;
                }
                if (System.nanoTime() - deadline > 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private void rehearse(Session s, int contextLength, int runs) {
        int positions = 0;
        while (positions < REHEARSAL_POSITIONS.length && REHEARSAL_POSITIONS[positions] < contextLength) {
            positions++;
        }
        int perStep = positions * model.config().layers();
        int repeats = (runs + perStep - 1) / perStep;
        for (int i = 0; i < positions; i++) {
            s.rehearseDecode(REHEARSAL_POSITIONS[i], repeats);
        }
    }

    /**
     * @param options context and batch sizes
     * @return a new session with its own KV cache and step memory
     */
    public Session newSession(SessionOptions options) {
        return new Session(this, options);
    }

    /** @return the model */
    public Model model() {
        return model;
    }

    /** @return the tokenizer */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** @return the engine's worker pool */
    public WorkerPool pool() {
        return pool;
    }

    /**
     * @return nanoseconds {@link #open} took: the worker threads, mapping and validating the file, binding and
     *         interleaving the weights ({@link Model#loadNanos}), building the tokenizer; not the warm-up
     */
    public long openNanos() {
        return openNanos;
    }

    /** Stops the workers and unmaps the file; close sessions first. */
    @Override
    public void close() {
        pool.close();
        model.close();
    }
}
