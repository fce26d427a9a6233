package dev.smallmind.generate;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Picks the next token from a logits vector per {@link SamplerSettings}, allocating nothing per call: every
 * working array is sized to the vocabulary once. Candidate selection uses a binary max-heap over all token ids
 * (built in O(n), popped only as far as top-k / top-p / min-p need), so no full sort of the vocabulary happens.
 * Not thread-safe: one sampler per session, re-armed for each request by {@link #reset}.
 */
public final class Sampler {
    private SamplerSettings settings;
    private final int vocab;
    private final float[] logits;
    private final int[] heap;
    private final int[] candidates;
    private final float[] weights;
    private int[] recent;
    private final int[] counts;
    private int recentCount;
    private int recentHead;
    private SplittableRandom random;

    /**
     * @param settings how to sample
     * @param vocab    vocabulary size
     */
    public Sampler(SamplerSettings settings, int vocab) {
        this.settings = settings;
        this.vocab = vocab;
        this.logits = new float[vocab];
        this.heap = new int[vocab];
        this.candidates = new int[vocab];
        this.weights = new float[vocab];
        this.recent = new int[Math.max(1, settings.penaltyWindow())];
        this.counts = new int[vocab];
        this.random = new SplittableRandom(settings.seed());
    }

    /**
     * Re-arms this sampler for a new request, as if it were new with {@code settings}: the penalty history is
     * cleared and the random generator seeded again; the vocabulary-sized working arrays are kept, so a session's
     * requests do not allocate them again (five arrays, 640 KB for a 32,000-token vocabulary).
     *
     * @param settings how to sample from now on
     */
    public void reset(SamplerSettings settings) {
        for (int i = 0; i < recentCount; i++) {
            counts[recent[i]] = 0;
        }
        recentCount = 0;
        recentHead = 0;
        int window = Math.max(1, settings.penaltyWindow());
        if (recent.length != window) {
            recent = new int[window];
        }
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
    }

    /** @return the settings */
    public SamplerSettings settings() {
        return settings;
    }

    /**
     * Records a token of the context (prompt or generated) for the penalties.
     *
     * @param token the token id
     */
    public void accept(int token) {
        if (!settings.penalized() || token < 0 || token >= vocab) {
            return;
        }
        int window = recent.length;
        if (recentCount == window) {
            counts[recent[recentHead]]--;
        } else {
            recentCount++;
        }
        recent[recentHead] = token;
        counts[token]++;
        recentHead = (recentHead + 1) % window;
    }

    /**
     * @param source logits of the vocabulary, off-heap floats
     * @param offset byte offset of the first logit
     * @return the chosen token id
     */
    public int sample(MemorySegment source, long offset) {
        return sample(source, offset, null);
    }

    /**
     * @param source     logits of the vocabulary, off-heap floats
     * @param offset     byte offset of the first logit
     * @param constraint the tokens allowed next, applied after the penalties; null for all
     * @return the chosen token id
     */
    int sample(MemorySegment source, long offset, JsonConstraint constraint) {
        float[] l = logits;
        MemorySegment.copy(source, ValueLayout.JAVA_FLOAT, offset, l, 0, vocab);
        if (settings.penalized()) {
            applyPenalties(l);
        }
        if (constraint != null) {
            constraint.mask(l);
        }
        if (settings.greedy()) {
            return argmax(l);
        }
        return draw(l);
    }

    private void applyPenalties(float[] l) {
        float repeat = settings.repeatPenalty();
        float freq = settings.frequencyPenalty();
        float presence = settings.presencePenalty();
        for (int i = 0; i < recentCount; i++) {
            int token = recent[i];
            int c = counts[token];
            if (c <= 0) {
                continue;
            }
            float v = l[token];
            if (!isPenalized(token, i)) {
                continue;
            }
            v = v > 0 ? v / repeat : v * repeat;
            l[token] = v - c * freq - presence;
        }
    }

    /** A token may sit in the window several times; it is penalized once, at its first slot. */
    private boolean isPenalized(int token, int slot) {
        for (int j = 0; j < slot; j++) {
            if (recent[j] == token) {
                return false;
            }
        }
        return true;
    }

    private static int argmax(float[] l) {
        int best = 0;
        float max = l[0];
        for (int i = 1; i < l.length; i++) {
            if (l[i] > max) {
                max = l[i];
                best = i;
            }
        }
        return best;
    }

    private int draw(float[] l) {
        int n = vocab;
        for (int i = 0; i < n; i++) {
            heap[i] = i;
        }
        for (int i = n / 2 - 1; i >= 0; i--) {
            siftDown(l, i, n);
        }
        float max = l[heap[0]];
        int limit = settings.topK() > 0 ? Math.min(settings.topK(), n) : n;
        double normalizer = 0;
        if (settings.topK() > 0) {
            int size = n;
            for (int c = 0; c < limit; c++) {
                candidates[c] = heap[0];
                normalizer += Math.exp(l[heap[0]] - max);
                size = pop(l, size);
            }
        } else {
            for (int i = 0; i < n; i++) {
                normalizer += Math.exp(l[i] - max);
            }
        }
        int kept = selectByProbability(l, max, normalizer, limit);
        return weightedDraw(l, max, kept);
    }

    /**
     * Applies top-p and min-p to candidates in descending order, popping more from the heap when top-k did not
     * already fix them.
     */
    private int selectByProbability(float[] l, float max, double normalizer, int limit) {
        boolean prefilled = settings.topK() > 0;
        int size = vocab;
        float topP = settings.topP();
        double minLogit = settings.minP() > 0 ? max + Math.log(settings.minP()) : Double.NEGATIVE_INFINITY;
        double cumulative = 0;
        int kept = 0;
        while (kept < limit) {
            int token;
            if (prefilled) {
                token = candidates[kept];
            } else {
                token = heap[0];
                size = pop(l, size);
            }
            if (kept > 0 && l[token] < minLogit) {
                break;
            }
            candidates[kept++] = token;
            cumulative += Math.exp(l[token] - max) / normalizer;
            if (topP < 1f && cumulative >= topP) {
                break;
            }
        }
        return kept;
    }

    private int weightedDraw(float[] l, float max, int kept) {
        float invT = 1f / settings.temperature();
        double total = 0;
        for (int i = 0; i < kept; i++) {
            float w = (float) Math.exp((l[candidates[i]] - max) * invT);
            weights[i] = w;
            total += w;
        }
        double r = random.nextDouble() * total;
        int last = 0;
        for (int i = 0; i < kept; i++) {
            r -= weights[i];
            if (r < 0) {
                return candidates[i];
            }
            if (weights[i] > 0) {
                last = i;
            }
        }
        // Rounding left r at or above zero: the last candidate that had any weight (a masked token has none)
        return candidates[last];
    }

    private int pop(float[] l, int size) {
        size--;
        heap[0] = heap[size];
        siftDown(l, 0, size);
        return size;
    }

    private void siftDown(float[] l, int i, int size) {
        int[] h = heap;
        int item = h[i];
        float v = l[item];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            int right = child + 1;
            if (right < size && before(l, h[right], h[child])) {
                child = right;
            }
            if (!before(l, h[child], item)) {
                break;
            }
            h[i] = h[child];
            i = child;
        }
        h[i] = item;
    }

    /** Higher logit first; ties by lower id, so the order is deterministic. */
    private static boolean before(float[] l, int a, int b) {
        return l[a] > l[b] || (l[a] == l[b] && a < b);
    }
}
