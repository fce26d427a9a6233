package dev.smallmind.tokenizer;

import org.agrona.collections.IntArrayList;

/**
 * The view of one segment that llama.cpp's hand-written splitters work on: code points and flags inside
 * {@code [ini, end)}, {@link #OUT_OF_RANGE} / no flags outside, and the output of piece lengths cut so far.
 */
final class Segment {
    static final int OUT_OF_RANGE = -1;

    final int ini;
    final int end;
    private final int[] cps;
    private final IntArrayList out;
    private int previousEnd;

    Segment(int[] cps, int ini, int end, IntArrayList out) {
        this.cps = cps;
        this.ini = ini;
        this.end = end;
        this.out = out;
        this.previousEnd = ini;
    }

    int cpt(int pos) {
        return pos >= ini && pos < end ? cps[pos] : OUT_OF_RANGE;
    }

    int flags(int pos) {
        return pos >= ini && pos < end ? CodepointFlags.of(cps[pos]) : 0;
    }

    /** Cuts a piece ending at {@code end} (nothing when empty). @return its length */
    int emit(int pieceEnd) {
        int len = pieceEnd - previousEnd;
        if (len > 0) {
            out.addInt(len);
        }
        previousEnd = pieceEnd;
        return len;
    }

    /** @return true for {@code [^\s\p{L}\p{N}]} as the splitters test it: flags present, none of the three */
    static boolean isOther(int flags) {
        return (flags & (CodepointFlags.WHITESPACE | CodepointFlags.LETTER | CodepointFlags.NUMBER)) == 0 && flags != 0;
    }

    static boolean isSpace(int flags) {
        return (flags & CodepointFlags.WHITESPACE) != 0;
    }
}
