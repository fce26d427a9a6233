package dev.smallmind.tokenizer;

import org.agrona.collections.IntArrayList;

/**
 * BERT WordPiece as llama.cpp's {@code llm_tokenizer_wpm}: a BertNormalizer-like pass (optional NFD accent
 * stripping and lower-casing, control characters dropped, punctuation, ASCII symbols and CJK ideographs as words of
 * their own, whitespace splits words), then per word a greedy longest match over {@code ▁word} against the
 * vocabulary (llama.cpp's GGUF converter stores word-initial pieces with a leading {@code ▁} and continuation pieces
 * bare). A word that cannot be covered becomes the unknown token.
 */
final class WordPieceEncoder {
    private final Vocabulary vocabulary;
    private final int unknown;
    private final boolean lowercase;
    private final boolean stripAccents;

    WordPieceEncoder(Vocabulary vocabulary, int unknown, boolean lowercase, boolean stripAccents) {
        this.vocabulary = vocabulary;
        this.unknown = unknown;
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
    }

    void encode(String text, IntArrayList out) {
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (stripAccents) {
                cp = CodepointFlags.nfdFirst(cp);
            }
            int flags = CodepointFlags.of(cp);
            if ((flags & CodepointFlags.WHITESPACE) != 0) {
                encodeWord(word, out);
                continue;
            }
            if (cp == 0 || cp == 0xFFFD || (flags & CodepointFlags.CONTROL) != 0) {
                continue;
            }
            if (stripAccents && (flags & CodepointFlags.ACCENT_MARK) != 0) {
                continue;
            }
            int c = lowercase ? CodepointFlags.toLower(cp) : cp;
            boolean alone = (flags & CodepointFlags.PUNCTUATION) != 0
                    || (cp < 0x7F && (flags & CodepointFlags.SYMBOL) != 0) || isChinese(cp);
            if (alone) {
                encodeWord(word, out);
                word.appendCodePoint(c);
                encodeWord(word, out);
            } else {
                word.appendCodePoint(c);
            }
        }
        encodeWord(word, out);
    }

    /** Encodes and clears the pending word (nothing when it is empty). */
    private void encodeWord(StringBuilder pending, IntArrayList out) {
        if (pending.isEmpty()) {
            return;
        }
        String word = "\u2581" + pending;
        pending.setLength(0);
        int n = word.length();
        int before = out.size();
        int maxLen = vocabulary.maxTokenChars();
        for (int i = 0; i < n; i++) {
            boolean matched = false;
            for (int j = Math.min(n, i + maxLen + 1); j > i; j--) {
                int id = vocabulary.id(word.substring(i, j));
                if (id >= 0) {
                    out.addInt(id);
                    matched = true;
                    i = j - 1;
                    break;
                }
            }
            if (!matched) {
                while (out.size() > before) {
                    out.removeAt(out.size() - 1);
                }
                break;
            }
        }
        if (out.size() == before) {
            out.addInt(unknown);
        }
    }

    private static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
