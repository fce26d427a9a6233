package dev.smallmind.generate;

import java.util.function.IntConsumer;

/**
 * Perplexity of a token sequence exactly as llama.cpp's {@code llama-perplexity} computes it: the sequence is
 * cut into {@code floor(n / ctx)} chunks of {@code ctx} tokens (the tail is ignored); each chunk is evaluated from
 * an empty cache with its first token replaced by BOS; the second half of each chunk is scored (the logits at
 * position j score token j + 1 for j from ctx/2 to ctx - 2); the result is {@code exp(mean NLL)}.
 */
public final class Perplexity {
    private Perplexity() {
    }

    /**
     * The figures of a run.
     *
     * @param ppl       final perplexity
     * @param stderr    its standard error, as llama.cpp prints it
     * @param chunkPpl  perplexity of each chunk on its own
     * @param scored    tokens scored
     */
    public record Result(double ppl, double stderr, double[] chunkPpl, int scored) {
    }

    /**
     * @param session  a session whose context holds at least {@code ctx} positions
     * @param tokens   the tokenized text (with BOS first, as llama.cpp tokenizes it)
     * @param ctx      chunk length
     * @param bos      the BOS token id
     * @param progress called with the number of chunks done after each chunk
     * @return the figures
     */
    public static Result compute(Session session, int[] tokens, int ctx, int bos, IntConsumer progress) {
        if (ctx < 4) {
            throw new IllegalArgumentException("context for perplexity must be >= 4, got " + ctx);
        }
        int chunks = tokens.length / ctx;
        if (chunks == 0) {
            throw new IllegalArgumentException("the text has " + tokens.length + " tokens, fewer than one chunk of "
                    + ctx + " (use a smaller -c)");
        }
        int first = ctx / 2;
        int perChunk = ctx - 1 - first;
        double[] chunkPpl = new double[chunks];
        double[] sums = new double[3];
        int[] chunk = new int[ctx];
        int vocab = session.vocabSize();
        for (int c = 0; c < chunks; c++) {
            System.arraycopy(tokens, c * ctx, chunk, 0, ctx);
            chunk[0] = bos;
            sums[2] = 0;
            session.reset();
            session.score(chunk, (index, logits, offset) -> {
                if (index >= first && index <= ctx - 2) {
                    double nll = -new LogProbs(logits, offset, vocab).of(chunk[index + 1]);
                    sums[0] += nll;
                    sums[1] += nll * nll;
                    sums[2] += nll;
                }
            });
            chunkPpl[c] = Math.exp(sums[2] / perChunk);
            progress.accept(c + 1);
        }
        int count = chunks * perChunk;
        double mean = sums[0] / count;
        double variance = sums[1] / count - mean * mean;
        double ppl = Math.exp(mean);
        double stderr = count > 1 ? Math.sqrt(Math.max(variance, 0) / (count - 1)) * ppl : 0;
        return new Result(ppl, stderr, chunkPpl, count);
    }
}
