package dev.smallmind.tokenizer;

import org.agrona.collections.IntArrayList;

import java.util.BitSet;

/**
 * Splits text into raw-text fragments and special tokens as llama.cpp's {@code tokenizer_st_partition}: for each
 * special token in turn (longest text first), every occurrence inside a still-raw fragment becomes that token,
 * with surrounding whitespace removed where the token has the lstrip/rstrip flag. User-defined tokens are always
 * recognised; control and unknown tokens only when special text is parsed.
 */
final class SpecialTokenPartitioner {
    private final Vocabulary vocabulary;
    private final int[] order;

    SpecialTokenPartitioner(Vocabulary vocabulary, int[] order) {
        this.vocabulary = vocabulary;
        this.order = order;
    }

    /**
     * @return fragments as triples {@code (token, start, end)} in text order: {@code token >= 0} is a special token,
     * {@code token == -1} the raw text {@code [start, end)}
     */
    IntArrayList partition(String text, boolean parseSpecial) {
        IntArrayList fragments = new IntArrayList(16, Integer.MIN_VALUE);
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.addInt(-1);
        fragments.addInt(0);
        fragments.addInt(text.length());
        BitSet present = new BitSet(128);
        for (int i = 0; i < text.length(); i++) {
            present.set(text.charAt(i));
        }
        int skipWhenNotParsing = TokenAttributes.CONTROL | TokenAttributes.UNKNOWN;
        for (int id : order) {
            int attributes = vocabulary.attributes(id);
            if (!parseSpecial && (attributes & skipWhenNotParsing) != 0) {
                continue;
            }
            String special = vocabulary.text(id);
            if (!present.get(special.charAt(0)) || !containsIn(text, special, fragments)) {
                continue;
            }
            fragments = split(text, special, id, attributes, fragments);
        }
        return fragments;
    }

    private static boolean containsIn(String text, String special, IntArrayList fragments) {
        for (int f = 0; f < fragments.size(); f += 3) {
            if (fragments.getInt(f) < 0) {
                int at = text.indexOf(special, fragments.getInt(f + 1));
                if (at >= 0 && at + special.length() <= fragments.getInt(f + 2)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static IntArrayList split(String text, String special, int id, int attributes, IntArrayList fragments) {
        IntArrayList out = new IntArrayList(fragments.size() + 12, Integer.MIN_VALUE);
        int len = special.length();
        for (int f = 0; f < fragments.size(); f += 3) {
            int token = fragments.getInt(f);
            int pos = fragments.getInt(f + 1);
            int end = fragments.getInt(f + 2);
            if (token >= 0) {
                add(out, token, pos, end);
                continue;
            }
            while (true) {
                int match = text.indexOf(special, pos);
                if (match < 0 || match + len > end) {
                    if (pos < end) {
                        add(out, -1, pos, end);
                    }
                    break;
                }
                int leftEnd = match;
                if ((attributes & TokenAttributes.LSTRIP) != 0) {
                    while (leftEnd > pos && isSpace(text.charAt(leftEnd - 1))) {
                        leftEnd--;
                    }
                }
                if (leftEnd > pos) {
                    add(out, -1, pos, leftEnd);
                }
                add(out, id, match, match + len);
                int rightStart = match + len;
                if (rightStart >= end) {
                    break;
                }
                if ((attributes & TokenAttributes.RSTRIP) != 0) {
                    while (rightStart < end && isSpace(text.charAt(rightStart))) {
                        rightStart++;
                    }
                }
                pos = rightStart;
            }
        }
        return out;
    }

    private static void add(IntArrayList out, int token, int start, int end) {
        out.addInt(token);
        out.addInt(start);
        out.addInt(end);
    }

    /** C's {@code isspace} in the "C" locale, which llama.cpp uses for the strip flags. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
