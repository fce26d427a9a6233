package dev.smallmind.tokenizer;

import org.agrona.collections.IntArrayList;

/**
 * llama.cpp's hand-written matcher for the Llama 3 pattern
 * {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}
 * (in its original and its case-expanded spelling), including the quirk that the punctuation branch tests the
 * current code point's flags for "present" rather than the one after an optional space.
 */
final class Llama3Splitter implements SplitStage {
    static final String PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String PATTERN_EXPANDED = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

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
                    int next = lower(seg.cpt(pos + 1));
                    if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                        pos += seg.emit(pos + 2);
                        continue;
                    }
                    if (pos + 2 < seg.end) {
                        int nextNext = lower(seg.cpt(pos + 2));
                        if ((next == 'r' && nextNext == 'e') || (next == 'v' && nextNext == 'e') || (next == 'l' && nextNext == 'l')) {
                            pos += seg.emit(pos + 3);
                            continue;
                        }
                    }
                }
                if (!(cpt == '\r' || cpt == '\n' || CodepointFlags.isNumber(flags))) {
                    if (CodepointFlags.isLetter(flags) || CodepointFlags.isLetter(seg.flags(pos + 1))) {
                        pos++;
                        while (CodepointFlags.isLetter(seg.flags(pos))) {
                            pos++;
                        }
                        seg.emit(pos);
                        continue;
                    }
                }
                if (CodepointFlags.isNumber(flags)) {
                    int ini = pos;
                    while (CodepointFlags.isNumber(seg.flags(pos))) {
                        if (++pos - ini >= 3) {
                            seg.emit(pos);
                            ini = pos;
                        }
                    }
                    seg.emit(pos);
                    continue;
                }
                int flags2 = cpt == ' ' ? seg.flags(pos + 1) : flags;
                if ((flags2 & (CodepointFlags.WHITESPACE | CodepointFlags.LETTER | CodepointFlags.NUMBER)) == 0 && flags != 0) {
                    pos += cpt == ' ' ? 1 : 0;
                    while (Segment.isOther(flags2)) {
                        flags2 = seg.flags(++pos);
                    }
                    int c = seg.cpt(pos);
                    while (c == '\r' || c == '\n') {
                        c = seg.cpt(++pos);
                    }
                    seg.emit(pos);
                    continue;
                }
                int spaces = 0;
                int lastLineEnd = 0;
                while (Segment.isSpace(seg.flags(pos + spaces))) {
                    int c = seg.cpt(pos + spaces);
                    if (c == '\r' || c == '\n') {
                        lastLineEnd = pos + spaces + 1;
                    }
                    spaces++;
                }
                if (lastLineEnd > 0) {
                    pos = lastLineEnd;
                    seg.emit(pos);
                    continue;
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

    private static int lower(int cp) {
        return cp < 0 ? cp : CodepointFlags.toLower(cp);
    }
}
