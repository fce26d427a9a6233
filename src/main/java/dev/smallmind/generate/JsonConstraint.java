package dev.smallmind.generate;

import dev.smallmind.tokenizer.Tokenizer;

/**
 * Holds a generation to one JSON object ({@link OutputFormat#JSON}): before each sample, every token whose bytes
 * cannot continue the output toward a valid object gets the logit minus infinity, so greedy and sampled decoding pick
 * only tokens that keep it valid; once the object is closed the generation ends. Tokens that are not text (control
 * tokens, end-of-generation among them, and tokens without bytes) are never allowed: the output ends when the object
 * does.
 *
 * <p>A step decides every token of the vocabulary, so it avoids reading them through: inside a string, a token of
 * whole characters without a quote, backslash or control character is allowed at once (most of a vocabulary);
 * elsewhere the state after each possible first byte is computed once per step (256 tries), and for a first byte
 * that fits and begins more than 256 tokens, which second bytes fit after it (256 more tries: most tokens of a
 * SentencePiece or byte-level vocabulary begin with a space, which fits between values, and fail on their second
 * byte), so most tokens are decided by one or two table lookups and the rest continue from the state after their
 * first byte. Token bytes come from one flat table built when the constraint is made (per session); a step
 * allocates nothing.
 */
final class JsonConstraint {
    /** A second-byte table costs 256 tries: it pays for a first byte that begins more tokens than that. */
    private static final int PAIRS_WORTHWHILE = 256;
    private final JsonRecognizer output = new JsonRecognizer();
    private final JsonRecognizer trial = new JsonRecognizer();
    /** The output's state after each possible next byte, where {@link #firstFits} says that byte fits. */
    private final JsonRecognizer[] afterFirst = new JsonRecognizer[256];
    private final boolean[] firstFits = new boolean[256];
    /** Tokens that begin with each byte: a first byte that begins many gets {@link #secondFits} when it fits. */
    private final int[] tokensStartingWith = new int[256];
    /** Whether {@link #secondFits} holds this step's second bytes after a first byte. */
    private final boolean[] pairsKnown = new boolean[256];
    /** Whether byte {@code b} fits after first byte {@code f}, at {@code f * 256 + b}, where {@link #pairsKnown}. */
    private final boolean[] secondFits = new boolean[256 * 256];
    /** Every token's bytes back to back; token t's are {@code [starts[t], starts[t + 1])}, empty for non-text. */
    private final byte[] bytes;
    private final int[] starts;
    /** Whether a token's bytes are whole UTF-8 characters, none of them a quote, backslash or control character. */
    private final boolean[] plainCharacters;

    /** @param tokenizer the model's tokenizer, whose text tokens are tried */
    JsonConstraint(Tokenizer tokenizer) {
        int vocab = tokenizer.vocabSize();
        starts = new int[vocab + 1];
        int total = 0;
        for (int t = 0; t < vocab; t++) {
            starts[t] = total;
            if (tokenizer.isText(t)) {
                total += tokenizer.tokenBytes(t).length;
            }
        }
        starts[vocab] = total;
        bytes = new byte[total];
        plainCharacters = new boolean[vocab];
        for (int t = 0; t < vocab; t++) {
            if (starts[t + 1] > starts[t]) {
                byte[] piece = tokenizer.tokenBytes(t);
                System.arraycopy(piece, 0, bytes, starts[t], piece.length);
                plainCharacters[t] = plainCharacters(piece);
                tokensStartingWith[piece[0] & 0xFF]++;
            }
        }
        for (int b = 0; b < 256; b++) {
            afterFirst[b] = new JsonRecognizer();
        }
    }

    /** Whole characters in a string, none that ends it or escapes: tried inside a string, then its quote. */
    private static boolean plainCharacters(byte[] piece) {
        JsonRecognizer r = new JsonRecognizer();
        r.accept((byte) '{');
        r.accept((byte) '"');
        for (byte b : piece) {
            if (b == '"' || b == '\\' || !r.accept(b)) {
                return false;
            }
        }
        return r.betweenStringCharacters();
    }

    /** Starts a new output: nothing written yet. */
    void reset() {
        output.reset();
    }

    /**
     * Sets the logit of every token that cannot come next to minus infinity.
     *
     * @param logits the vocabulary's logits
     * @throws IllegalStateException when no token of the vocabulary continues the object (a vocabulary without
     *                               byte tokens may lack a character the grammar needs)
     */
    void mask(float[] logits) {
        boolean inString = output.betweenStringCharacters();
        for (int b = 0; b < 256; b++) {
            afterFirst[b].copyFrom(output);
            firstFits[b] = afterFirst[b].accept((byte) b);
            pairsKnown[b] = firstFits[b] && !inString && tokensStartingWith[b] > PAIRS_WORTHWHILE;
            if (pairsKnown[b]) {
                for (int second = 0; second < 256; second++) {
                    trial.copyFrom(afterFirst[b]);
                    secondFits[b << 8 | second] = trial.accept((byte) second);
                }
            }
        }
        int allowed = 0;
        for (int t = 0; t < logits.length; t++) {
            if (logits[t] == Float.NEGATIVE_INFINITY) {
                continue;
            }
            if (inString && plainCharacters[t] || continues(t)) {
                allowed++;
            } else {
                logits[t] = Float.NEGATIVE_INFINITY;
            }
        }
        if (allowed == 0) {
            throw new IllegalStateException("no token of the vocabulary continues the JSON output here");
        }
    }

    private boolean continues(int token) {
        int from = starts[token];
        int to = starts[token + 1];
        if (from == to) {
            return false;
        }
        int first = bytes[from] & 0xFF;
        if (!firstFits[first]) {
            return false;
        }
        if (to - from == 1) {
            return true;
        }
        if (pairsKnown[first] && !secondFits[first << 8 | bytes[from + 1] & 0xFF]) {
            return false;
        }
        trial.copyFrom(afterFirst[first]);
        for (int i = from + 1; i < to; i++) {
            if (!trial.accept(bytes[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Advances the output by a token {@link #mask} allowed.
     *
     * @param token the token generated
     */
    void accept(int token) {
        for (int i = starts[token]; i < starts[token + 1]; i++) {
            output.accept(bytes[i]);
        }
    }

    /** @return whether the object is closed */
    boolean complete() {
        return output.complete();
    }
}
