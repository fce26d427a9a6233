package dev.smallmind.tokenizer;

import org.agrona.collections.IntArrayList;

/**
 * llama.cpp's hand-written matcher for the GPT-2 pattern
 * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+} (used whenever a pre-tokenizer
 * lists exactly that pattern). Reproduced with its quirks: code points outside the segment have no flags, and an
 * unmatched code point becomes a segment of its own.
 */
final class Gpt2Splitter implements SplitStage {
    static final String PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

    @Override
    public IntArrayList split(int[] cps, IntArrayList segments) {
        IntArrayList out = new IntArrayList(segments.size() * 4, Integer.MIN_VALUE);
        int start = 0;
        for (int s = 0, ns = segments.size(); s < ns; s++) {
            Segment seg = new Segment(cps, start, start + segments.getInt(s), out);
            start = seg.end;
            int pos = seg.ini;
            while (pos < seg.end) {
                int cpt = seg.cpt(pos);
                int flags = seg.flags(pos);
                if (cpt == '\'' && pos + 1 < seg.end) {
                    int next = seg.cpt(pos + 1);
                    if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                        pos += seg.emit(pos + 2);
                        continue;
                    }
                    if (pos + 2 < seg.end) {
                        int nextNext = seg.cpt(pos + 2);
                        if ((next == 'r' && nextNext == 'e') || (next == 'v' && nextNext == 'e') || (next == 'l' && nextNext == 'l')) {
                            pos += seg.emit(pos + 3);
                            continue;
                        }
                    }
                }
                int flags2 = cpt == ' ' ? seg.flags(pos + 1) : flags;
                if (CodepointFlags.isLetter(flags2)) {
                    pos += cpt == ' ' ? 1 : 0;
                    while (CodepointFlags.isLetter(flags2)) {
                        flags2 = seg.flags(++pos);
                    }
                    seg.emit(pos);
                    continue;
                }
                if (CodepointFlags.isNumber(flags2)) {
                    pos += cpt == ' ' ? 1 : 0;
                    while (CodepointFlags.isNumber(flags2)) {
                        flags2 = seg.flags(++pos);
                    }
                    seg.emit(pos);
                    continue;
                }
                if (Segment.isOther(flags2)) {
                    pos += cpt == ' ' ? 1 : 0;
                    while (Segment.isOther(flags2)) {
                        flags2 = seg.flags(++pos);
                    }
                    seg.emit(pos);
                    continue;
                }
                int spaces = 0;
                while (Segment.isSpace(seg.flags(pos + spaces))) {
                    spaces++;
                }
                if (spaces > 1 && seg.cpt(pos + spaces) != Segment.OUT_OF_RANGE) {
                    pos += spaces - 1;
                    seg.emit(pos);
                    continue;
                }
                if (spaces > 0) {
                    pos += spaces;
                    seg.emit(pos);
                    continue;
                }
                seg.emit(++pos);
            }
        }
        return out;
    }
}
