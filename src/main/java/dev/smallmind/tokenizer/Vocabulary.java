package dev.smallmind.tokenizer;

import org.agrona.collections.Object2IntHashMap;

/**
 * The token table: text, score and attributes per id, and the reverse text-to-id index. Attributes stay mutable
 * while the tokenizer is assembled because llama.cpp adjusts some of them after loading (control-looking tokens,
 * strip flags); afterwards nothing writes to them.
 */
final class Vocabulary {
    private final String[] texts;
    private final float[] scores;
    private final int[] attributes;
    private final Object2IntHashMap<String> ids;
    private final int maxTokenChars;

    /**
     * @param texts  token texts; empty texts are renamed {@code [EMPTY_<id>]} as llama.cpp does
     * @param scores per-token scores, or null for all zero
     * @param types  GGUF token types, or null for all normal
     * @throws IllegalArgumentException on a duplicate token text or arrays shorter than the token list
     */
    Vocabulary(String[] texts, float[] scores, int[] types) {
        int n = texts.length;
        if (scores != null && scores.length < n) {
            throw new IllegalArgumentException("tokenizer.ggml.scores has " + scores.length + " entries, expected " + n);
        }
        if (types != null && types.length < n) {
            throw new IllegalArgumentException("tokenizer.ggml.token_type has " + types.length + " entries, expected " + n);
        }
        this.texts = new String[n];
        this.scores = new float[n];
        this.attributes = new int[n];
        this.ids = new Object2IntHashMap<>(Math.max(16, n * 2), 0.65f, -1);
        int maxChars = 0;
        for (int i = 0; i < n; i++) {
            String t = texts[i].isEmpty() ? "[EMPTY_" + i + "]" : texts[i];
            int previous = ids.put(t, i);
            if (previous != -1) {
                throw new IllegalArgumentException("duplicate token in vocabulary: '" + t + "' has ids " + previous + " and " + i);
            }
            this.texts[i] = t;
            this.scores[i] = scores == null ? 0f : scores[i];
            this.attributes[i] = types == null ? TokenAttributes.NORMAL : TokenAttributes.fromTokenType(types[i]);
            maxChars = Math.max(maxChars, t.length());
        }
        this.maxTokenChars = maxChars;
    }

    int size() {
        return texts.length;
    }

    String text(int id) {
        return texts[id];
    }

    float score(int id) {
        return scores[id];
    }

    int attributes(int id) {
        return attributes[id];
    }

    boolean has(int id, int attribute) {
        return (attributes[id] & attribute) != 0;
    }

    void setAttributes(int id, int value) {
        attributes[id] = value;
    }

    /** @return the id of a token text, or -1 */
    int id(String text) {
        return ids.getValue(text);
    }

    /** @return the longest token text in UTF-16 chars */
    int maxTokenChars() {
        return maxTokenChars;
    }
}
