package dev.smallmind.tokenizer;

import org.agrona.collections.IntArrayList;
import org.agrona.collections.Object2IntHashMap;

import java.nio.charset.StandardCharsets;

/**
 * Byte-level BPE as llama.cpp's {@code llm_tokenizer_bpe_session}: the text is split into words by the
 * pre-tokenizer stages, each word's UTF-8 bytes are mapped to GPT-2's byte characters, and within each word the
 * adjacent pair with the lowest merge rank (leftmost on ties) is merged until no listed merge applies. A final
 * symbol that is not a token is emitted byte by byte where single ASCII bytes are tokens, and dropped otherwise.
 */
final class BpeEncoder {
    private final Vocabulary vocabulary;
    private final Object2IntHashMap<String> ranks;
    private final SplitStage[] stages;
    private final boolean ignoreMerges;

    /**
     * @param merges the {@code tokenizer.ggml.merges} lines ("left right"), rank = index; the first occurrence wins
     */
    BpeEncoder(Vocabulary vocabulary, String[] merges, PreTokenizerType type) {
        this.vocabulary = vocabulary;
        this.ranks = new Object2IntHashMap<>(Math.max(16, merges.length * 2), 0.65f, -1);
        for (int i = 0; i < merges.length; i++) {
            String line = merges[i];
            int space = line.indexOf(' ', 1);
            if (space > 0 && ranks.getValue(line) == -1) {
                ranks.put(line, i);
            }
        }
        this.stages = type.stages();
        this.ignoreMerges = type.ignoreMerges;
    }

    void encode(String text, IntArrayList out) {
        int[] cps = codePoints(text);
        if (cps.length == 0) {
            return;
        }
        IntArrayList segments = new IntArrayList(4, Integer.MIN_VALUE);
        segments.addInt(cps.length);
        for (SplitStage stage : stages) {
            segments = stage.split(cps, segments);
        }
        BigramQueue queue = new BigramQueue();
        StringBuilder word = new StringBuilder();
        int start = 0;
        for (int s = 0, ns = segments.size(); s < ns; s++) {
            int end = start + segments.getInt(s);
            word.setLength(0);
            for (byte b : new String(cps, start, end - start).getBytes(StandardCharsets.UTF_8)) {
                word.append(ByteLevel.encode(b));
            }
            encodeWord(word.toString(), queue, out);
            start = end;
        }
    }

    private static int[] codePoints(String text) {
        int[] cps = new int[text.codePointCount(0, text.length())];
        for (int i = 0, c = 0; i < cps.length; i++) {
            cps[i] = text.codePointAt(c);
            c += Character.charCount(cps[i]);
        }
        return cps;
    }

    private void encodeWord(String word, BigramQueue queue, IntArrayList out) {
        int n = word.length();
        if (n == 0) {
            return;
        }
        if (ignoreMerges) {
            int whole = vocabulary.id(word);
            if (whole >= 0) {
                out.addInt(whole);
                return;
            }
        }
        int[] start = new int[n];
        int[] length = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        int count = 0;
        for (int pos = 0; pos < n; count++) {
            int len = Character.charCount(word.codePointAt(pos));
            start[count] = pos;
            length[count] = len;
            prev[count] = count - 1;
            pos += len;
            next[count] = pos < n ? count + 1 : -1;
        }
        queue.clear();
        for (int i = 1; i < count; i++) {
            tryAdd(word, start, length, i - 1, i, queue);
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
            tryAdd(word, start, length, prev[left], left, queue);
            tryAdd(word, start, length, left, next[left], queue);
        }
        for (int i = 0; i != -1; i = next[i]) {
            String piece = word.substring(start[i], start[i] + length[i]);
            int id = vocabulary.id(piece);
            if (id >= 0) {
                out.addInt(id);
                continue;
            }
            for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                int single = b >= 0 ? vocabulary.id(String.valueOf((char) b)) : -1;
                if (single >= 0) {
                    out.addInt(single);
                }
            }
        }
    }

    private void tryAdd(String word, int[] start, int[] length, int left, int right, BigramQueue queue) {
        if (left < 0 || right < 0) {
            return;
        }
        String key = word.substring(start[left], start[left] + length[left]) + ' '
                + word.substring(start[right], start[right] + length[right]);
        int rank = ranks.getValue(key);
        if (rank < 0) {
            return;
        }
        queue.push(rank, left, right, length[left] + length[right]);
    }
}
