package dev.smallmind.generate;

import dev.smallmind.graph.KvCache;
import dev.smallmind.graph.StepContext;
import dev.smallmind.graph.ops.Rows;
import dev.smallmind.kernels.CausalAttention;
import dev.smallmind.kernels.RopePairing;
import dev.smallmind.kernels.RopeTable;
import dev.smallmind.memory.Region;
import dev.smallmind.memory.StepArena;
import dev.smallmind.model.Architecture;
import dev.smallmind.model.ForwardPass;
import dev.smallmind.model.Model;
import dev.smallmind.model.ModelConfig;
import dev.smallmind.model.TransformerGraph;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.memory.HeapCounters;
import dev.smallmind.tokenizer.Tokenizer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One sequence being evaluated: owns its KV cache, its step memory and its planned graphs (decode, prefill, and
 * all-rows scoring when first needed). One operation at a time; {@link #cancel()} may be called from any thread.
 * Logits returned by the evaluation methods are borrowed: valid until the next evaluation.
 */
public final class Session implements AutoCloseable {
    private final Model model;
    private final Tokenizer tokenizer;
    private final WorkerPool pool;
    private final int contextLength;
    private final int batch;
    private final Arena arena = Arena.ofShared();
    private final Region region;
    private final StepContext step;
    private final KvCache cache;
    private final RopeTable rope;
    private final StepArena stepArena;
    private final ForwardPass decode;
    private final ForwardPass prefill;
    private final TransformerGraph decodePlan;
    private final TransformerGraph prefillPlan;
    private StepArena scoringArena;
    private ForwardPass scoring;
    private int position;
    private final int[] history;
    private volatile boolean cancelled;
    private MemorySegment lastLogits;
    private long lastLogitsOffset;
    private final HeapCounters counters = new HeapCounters();
    /** Reused by every request of this session ({@link Sampler#reset}). */
    private Sampler sampler;
    /** Built on the first request for JSON output, then kept: its token table is vocabulary-sized. */
    private JsonConstraint jsonConstraint;

    Session(LanguageModel lm, SessionOptions options) {
        this.model = lm.model();
        this.tokenizer = lm.tokenizer();
        this.pool = lm.pool();
        ModelConfig c = model.config();
        int ctx = options.contextLength() == 0
                ? Math.min(c.contextLength(), SessionOptions.DEFAULT_CONTEXT_CAP) : options.contextLength();
        if (c.architecture().rope() == Architecture.Rope.NONE && ctx > c.contextLength()) {
            throw SessionText.contextBeyondLearnedPositions(ctx, c.contextLength(), c.name());
        }
        this.contextLength = ctx;
        this.batch = Math.min(options.batchSize(), ctx);
        this.region = new Region(SessionText.region(), Long.MAX_VALUE);
        try {
            this.step = new StepContext(batch, arena);
            this.cache = new KvCache(region, c.layers(), ctx, c.kvHeads(), c.headDim(), options.kvType());
            this.history = new int[ctx];
            this.rope = c.ropeDim() == 0 ? null : new RopeTable(region, ctx, c.ropeDim(), c.ropeBase(),
                    c.architecture().rope() == Architecture.Rope.NEOX ? RopePairing.NEOX : RopePairing.NORMAL);
            int threads = pool.threads();
            this.decodePlan = TransformerGraph.plan(model, step, cache, rope, 1, threads, Rows.LAST);
            this.prefillPlan = TransformerGraph.plan(model, step, cache, rope, batch, threads, Rows.LAST);
            long peak = Math.max(decodePlan.plan().peakBytes(), prefillPlan.plan().peakBytes());
            this.stepArena = new StepArena(SessionText.stepArena(), peak);
            this.decode = decodePlan.bind(stepArena);
            stepArena.reset();
            this.prefill = prefillPlan.bind(stepArena);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** @return logits per position (the vocabulary size) */
    public int vocabSize() {
        return model.config().vocabSize();
    }

    /** @return positions the KV cache holds */
    public int contextLength() {
        return contextLength;
    }

    /** @return tokens already in the cache (the position of the next token) */
    public int position() {
        return position;
    }

    /** @return the planned single-token (decode) graph */
    public TransformerGraph decodePlan() {
        return decodePlan;
    }

    /** @return the planned batch (prefill) graph */
    public TransformerGraph prefillPlan() {
        return prefillPlan;
    }

    /** @return the decode forward pass (for per-op profiling) */
    public ForwardPass decodePass() {
        return decode;
    }

    /** @return KV cache bytes per position (all layers, keys and values) */
    public long kvBytesPerToken() {
        return cache.bytesPerToken();
    }

    /** Forgets the sequence: the next token goes to position 0. */
    public void reset() {
        position = 0;
    }

    /** Asks a running generation to stop after the current token; safe from any thread. */
    public void cancel() {
        cancelled = true;
    }

    /**
     * Evaluates tokens at the next positions (prefill in batches, a single token as a decode step), leaving the
     * logits of the last one in {@link #logits()} / {@link #logitsOffset()}.
     *
     * @param tokens token ids
     * @param from   first index evaluated
     * @param to     one past the last
     * @throws ContextFullException when they do not fit
     */
    public void evaluate(int[] tokens, int from, int to) {
        int n = to - from;
        if (n <= 0) {
            throw SessionText.nothingToEvaluate();
        }
        requireRoom(n);
        int i = from;
        while (i < to) {
            int count = Math.min(batch, to - i);
            ForwardPass pass = count == 1 ? decode : prefill;
            run(pass, tokens, i, count);
            i += count;
            lastLogits = pass.arena();
            lastLogitsOffset = pass.logitsOffset(0);
        }
    }

    /**
     * Evaluates one token (a decode step) without allocating.
     *
     * @param token token id
     */
    public void evaluate(int token) {
        requireRoom(1);
        step.begin(position, 1);
        step.setToken(0, token);
        decode.graph().run(pool);
        history[position++] = token;
        lastLogits = decode.arena();
        lastLogitsOffset = decode.logitsOffset(0);
    }

    /**
     * A warm-up decode step at {@code at} ({@link dev.smallmind.graph.Graph#rehearse}): the cheap nodes run
     * {@code repeats} times each; the position does not advance and the cache entries before {@code at} hold
     * whatever earlier steps left there.
     *
     * @param at      position of the step, below the context length
     * @param repeats runs of each node that is not a matrix product
     */
    void rehearseDecode(int at, int repeats) {
        if (at < 0 || at >= contextLength) {
            throw SessionText.outsideContext(at, contextLength);
        }
        step.begin(at, 1);
        step.setToken(0, 0);
        decode.graph().rehearse(pool, repeats);
    }

    /**
     * Warm-up prompt steps at position 0 ({@link dev.smallmind.graph.Graph#rehearse}), as {@link #rehearseDecode}
     * for decode steps: a few warm-up prompts call the prompt path's attention and norms too rarely for C2, so the
     * first long request would run them C1-compiled, boxing every vector. A whole batch, and a step whose last
     * block of {@link CausalAttention#ROWS} query rows holds one row (its own attention loop): without it a
     * 101-token prompt after the warm-up allocated 3.1 MB in stories260K's attention.
     *
     * @param repeats runs of each node that is not a matrix product, per step
     */
    void rehearsePrompt(int repeats) {
        rehearsePrompt(batch, repeats);
        int oneRowLast = batch - (batch - 1) % CausalAttention.ROWS;
        if (oneRowLast > CausalAttention.ROWS) {
            rehearsePrompt(oneRowLast, repeats);
        }
    }

    private void rehearsePrompt(int count, int repeats) {
        step.begin(0, count);
        for (int r = 0; r < count; r++) {
            step.setToken(r, 0);
        }
        prefill.graph().rehearse(pool, repeats);
    }

    /** @return segment holding the logits of the last evaluated token (borrowed) */
    public MemorySegment logits() {
        return lastLogits;
    }

    /** @return byte offset of those logits */
    public long logitsOffset() {
        return lastLogitsOffset;
    }

    /**
     * Teacher-forced evaluation: feeds {@code tokens} at the next positions and hands the logits of every one of
     * them to {@code visitor} in order (the logits at index i predict token i + 1).
     *
     * @param tokens  token ids
     * @param visitor receives each position's logits (borrowed)
     */
    public void score(int[] tokens, LogitsVisitor visitor) {
        requireRoom(tokens.length);
        if (scoring == null) {
            TransformerGraph plan = TransformerGraph.plan(model, step, cache, rope, batch, pool.threads(), Rows.ALL);
            scoringArena = new StepArena(SessionText.scoringArena(), plan.plan().peakBytes());
            scoring = plan.bind(scoringArena);
        }
        int i = 0;
        while (i < tokens.length) {
            int count = Math.min(batch, tokens.length - i);
            run(scoring, tokens, i, count);
            for (int r = 0; r < count; r++) {
                visitor.visit(i + r, scoring.arena(), scoring.logitsOffset(r));
            }
            i += count;
        }
    }

    private void run(ForwardPass pass, int[] tokens, int from, int count) {
        step.begin(position, count);
        for (int j = 0; j < count; j++) {
            step.setToken(j, tokens[from + j]);
        }
        pass.graph().run(pool);
        System.arraycopy(tokens, from, history, position, count);
        position += count;
    }

    private void requireRoom(int n) {
        if (n > contextLength - position) {
            throw new ContextFullException(n, contextLength - position, contextLength);
        }
    }

    /**
     * Keeps the cached positions that already hold the start of {@code prompt} (a conversation growing turn by
     * turn re-evaluates only its new tokens), and drops the rest. At least the prompt's last token is left to
     * evaluate, so fresh logits follow.
     *
     * @param prompt the full token sequence about to be evaluated
     * @return how many of its tokens are already in the cache
     */
    public int keepCommonPrefix(int[] prompt) {
        int common = 0;
        int limit = Math.min(position, prompt.length - 1);
        while (common < limit && history[common] == prompt[common]) {
            common++;
        }
        position = common;
        return common;
    }

    /**
     * Tokenizes {@code prompt} (adding BOS as the model wants) and generates from it, after resetting the
     * session.
     *
     * @param prompt  text
     * @param options what to generate
     * @param sink    receives text as it is produced
     * @return tokens, text, finish reason, timings
     */
    public GenerationResult generate(String prompt, GenerationOptions options, TokenSink sink) {
        return generate(tokenizer.encode(prompt, true, true), options, sink);
    }

    /**
     * Generates from prompt token ids, after resetting the session.
     *
     * @param prompt  token ids (at least one)
     * @param options what to generate
     * @param sink    receives text as it is produced
     * @return tokens, text, finish reason, timings
     * @throws ContextFullException when the prompt alone does not fit
     */
    public GenerationResult generate(int[] prompt, GenerationOptions options, TokenSink sink) {
        reset();
        return continueWith(prompt, options, sink);
    }

    /**
     * Generates from prompt token ids, reusing the cached positions that already hold the prompt's beginning
     * (see {@link #keepCommonPrefix}): for chat, where each turn's prompt extends the previous conversation.
     *
     * @param prompt  token ids (at least one)
     * @param options what to generate
     * @param sink    receives text as it is produced
     * @return tokens, text, finish reason, timings (prefill counts only the tokens evaluated)
     * @throws ContextFullException when the prompt alone does not fit
     */
    public GenerationResult continueWith(int[] prompt, GenerationOptions options, TokenSink sink) {
        if (prompt.length == 0) {
            throw SessionText.emptyPrompt();
        }
        int reused = keepCommonPrefix(prompt);
        cancelled = false;
        requireRoom(prompt.length - reused);
        if (sampler == null) {
            sampler = new Sampler(options.sampler(), model.config().vocabSize());
        } else {
            sampler.reset(options.sampler());
        }
        Sampler sampler = this.sampler;
        for (int t : prompt) {
            sampler.accept(t);
        }
        JsonConstraint constraint = constraint(options.format());
        StopMatcher stops = new StopMatcher(options.stopStrings());
        int max = options.maxTokens();
        int[] generated = new int[max];
        long[] emittedAt = new long[max];
        byte[] text = new byte[64 + max * 16];
        long start = System.nanoTime();
        evaluate(prompt, reused, prompt.length);
        long prefillNanos = System.nanoTime() - start;
        long firstToken = 0;
        long[] threadIds = engineThreadIds();
        long gc0 = counters.collections();
        long heap0 = counters.allocatedBytes(threadIds);
        long decodeStart = System.nanoTime();
        int count = 0;
        int textLength = 0;
        int released = 0;
        int decodeSteps = 0;
        int shifts = 0;
        FinishReason reason = FinishReason.LENGTH;
        while (count < max) {
            int token = sampler.sample(lastLogits, lastLogitsOffset, constraint);
            long now = System.nanoTime();
            if (count == 0) {
                firstToken = now - start;
            }
            emittedAt[count] = now;
            generated[count++] = token;
            sampler.accept(token);
            if (constraint != null) {
                constraint.accept(token);
            }
            sink.token(token);
            if (options.stopAtEos() && tokenizer.isEndOfGeneration(token)) {
                reason = FinishReason.EOS;
                break;
            }
            byte[] piece = tokenizer.tokenBytes(token);
            if (textLength + piece.length > text.length) {
                text = Arrays.copyOf(text, Math.max(text.length * 2, textLength + piece.length));
            }
            System.arraycopy(piece, 0, text, textLength, piece.length);
            int checkedUpTo = textLength;
            textLength += piece.length;
            int stopAt = stops.find(text, textLength, checkedUpTo);
            if (stopAt >= 0) {
                textLength = stopAt;
                reason = FinishReason.STOP;
                break;
            }
            int safe = stops.safeLength(text, textLength);
            if (safe > released) {
                sink.text(text, released, safe - released);
                released = safe;
            }
            if (constraint != null && constraint.complete()) {
                reason = FinishReason.FORMAT_COMPLETE;
                break;
            }
            if (cancelled) {
                reason = FinishReason.CANCELLED;
                break;
            }
            if (count == max) {
                break;
            }
            if (position >= contextLength) {
                if (!options.contextShift() || !shiftContext()) {
                    reason = FinishReason.CONTEXT_FULL;
                    break;
                }
                shifts++;
            }
            evaluate(token);
            decodeSteps++;
        }
        long decodeNanos = System.nanoTime() - decodeStart;
        long heap1 = counters.allocatedBytes(threadIds);
        long gc1 = counters.collections();
        if (textLength > released) {
            sink.text(text, released, textLength - released);
        }
        Timings timings = new Timings(prompt.length - reused, prefillNanos, firstToken, decodeSteps, decodeNanos,
                TokenLatency.of(emittedAt, count));
        return new GenerationResult(prompt.clone(), Arrays.copyOf(generated, count),
                new String(text, 0, textLength, StandardCharsets.UTF_8), reason, timings,
                new DecodeMemory(gc1 - gc0, heap1 - heap0, decodeSteps), shifts);
    }

    /**
     * Makes room in a full context: keeps the first token when it is the BOS and the newer half of the rest, and
     * evaluates them again from position 0 (in place in {@link #history}: nothing is allocated).
     *
     * @return false when there is nothing to drop (a context of two positions or fewer)
     */
    private boolean shiftContext() {
        int keep = history[0] == tokenizer.bos() ? 1 : 0;
        int discard = (position - keep) / 2;
        if (discard == 0) {
            return false;
        }
        int kept = position - discard;
        System.arraycopy(history, keep + discard, history, keep, kept - keep);
        position = 0;
        evaluate(history, 0, kept);
        return true;
    }

    /** @return the tokens the cache holds, in order: what the next token is conditioned on */
    public int[] cachedTokens() {
        return Arrays.copyOf(history, position);
    }

    /** @return the constraint that holds the output to {@code format}, reset, or null for any text */
    private JsonConstraint constraint(OutputFormat format) {
        if (format == OutputFormat.TEXT) {
            return null;
        }
        if (jsonConstraint == null) {
            jsonConstraint = new JsonConstraint(tokenizer);
        }
        jsonConstraint.reset();
        return jsonConstraint;
    }

    private long[] engineThreadIds() {
        long[] workers = pool.workerThreadIds();
        long[] ids = Arrays.copyOf(workers, workers.length + 1);
        ids[workers.length] = Thread.currentThread().threadId();
        return ids;
    }

    /** Frees the KV cache and step memory. */
    @Override
    public void close() {
        if (stepArena != null) {
            stepArena.close();
        }
        if (scoringArena != null) {
            scoringArena.close();
        }
        region.close();
        arena.close();
    }

    /** Receives the logits of each position of a {@link #score} call. */
    @FunctionalInterface
    public interface LogitsVisitor {
        /**
         * @param index  index of the token in the scored sequence
         * @param logits segment holding the logits (borrowed)
         * @param offset byte offset of the first logit
         */
        void visit(int index, MemorySegment logits, long offset);
    }
}
