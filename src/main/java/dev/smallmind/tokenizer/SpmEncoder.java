package dev.smallmind.tokenizer;

import org.agrona.collections.IntArrayList;

import java.nio.charset.StandardCharsets;

/**
 * SentencePiece-style BPE as llama.cpp's {@code llm_tokenizer_spm}: the (already space-escaped) text starts as one
 * symbol per code point; the adjacent pair whose concatenation is the highest-scoring token (leftmost on ties) is
 * merged until no pair forms a token; symbols that are not tokens fall back to their UTF-8 bytes as
 * {@code <0xNN>} tokens.
 */
final class SpmEncoder {
    private final Vocabulary vocabulary;
    private final int[] byteTokens;

    /** @param byteTokens the token id of each byte value, -1 where the vocabulary has none */
    SpmEncoder(Vocabulary vocabulary, int[] byteTokens) {
        this.vocabulary = vocabulary;
        this.byteTokens = byteTokens;
    }

    void encode(String text, IntArrayList out) {
        int n = text.codePointCount(0, text.length());
        if (n == 0) {
            return;
        }
        int[] start = new int[n];
        int[] length = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, pos = 0; i < n; i++) {
            int len = Character.charCount(text.codePointAt(pos));
            start[i] = pos;
            length[i] = len;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            pos += len;
        }
        BigramQueue queue = new BigramQueue();
        for (int i = 1; i < n; i++) {
            tryAdd(text, start, length, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            int left = queue.topLeft();
            int right = queue.topRight();
            int size = queue.topSize();
            queue.pop();
            if (length[left] == 0 || length[right] == 0 || length[left] + length[right] != size) {
                continue;
            }
            length[left] += length[right];
            length[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            tryAdd(text, start, length, prev[left], left, queue);
            tryAdd(text, start, length, left, next[left], queue);
        }
        for (int i = 0; i != -1; i = next[i]) {
            String piece = text.substring(start[i], start[i] + length[i]);
            int id = vocabulary.id(piece);
            if (id >= 0) {
                out.addInt(id);
            } else {
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    int byteToken = byteTokens[b & 0xFF];
                    if (byteToken < 0) {
                        throw new IllegalArgumentException(String.format(
                                "no token for byte 0x%02X: the vocabulary has no <0x%02X> and no unknown token", b & 0xFF, b & 0xFF));
                    }
                    out.addInt(byteToken);
                }
            }
        }
    }

    private void tryAdd(String text, int[] start, int[] length, int left, int right, BigramQueue queue) {
        if (left < 0 || right < 0) {
            return;
        }
        int size = length[left] + length[right];
        int id = vocabulary.id(text.substring(start[left], start[left] + size));
        if (id < 0) {
            return;
        }
        queue.push(BigramQueue.descendingScore(vocabulary.score(id)), left, right, size);
    }
}
