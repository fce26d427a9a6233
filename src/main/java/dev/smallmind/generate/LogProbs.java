package dev.smallmind.generate;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Log-softmax of a logits row, computed as llama.cpp does for its reported probabilities and perplexity: the
 * maximum in float, the sum of {@code exp(l - max)} accumulated in double.
 */
public final class LogProbs {
    private final MemorySegment logits;
    private final long offset;
    private final int n;
    private final float max;
    private final double logSum;

    /**
     * @param logits segment holding the row
     * @param offset byte offset of its first float
     * @param n      vocabulary size
     */
    public LogProbs(MemorySegment logits, long offset, int n) {
        this.logits = logits;
        this.offset = offset;
        this.n = n;
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, logits.get(ValueLayout.JAVA_FLOAT, offset + 4L * i));
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(logits.get(ValueLayout.JAVA_FLOAT, offset + 4L * i) - m);
        }
        this.max = m;
        this.logSum = Math.log(sum);
    }

    /**
     * @param token token id
     * @return its log-probability
     */
    public double of(int token) {
        return logits.get(ValueLayout.JAVA_FLOAT, offset + 4L * token) - max - logSum;
    }

    /**
     * The {@code k} most likely tokens, most likely first (ties by lower id).
     *
     * @param k how many (at most the vocabulary size)
     * @return their ids
     */
    public int[] top(int k) {
        int m = Math.min(k, n);
        int[] ids = new int[m];
        float[] vals = new float[m];
        int filled = 0;
        for (int i = 0; i < n; i++) {
            float v = logits.get(ValueLayout.JAVA_FLOAT, offset + 4L * i);
            if (filled == m && v <= vals[m - 1]) {
                continue;
            }
            int pos = filled < m ? filled++ : m - 1;
            while (pos > 0 && vals[pos - 1] < v) {
                vals[pos] = vals[pos - 1];
                ids[pos] = ids[pos - 1];
                pos--;
            }
            vals[pos] = v;
            ids[pos] = i;
        }
        return ids;
    }
}
