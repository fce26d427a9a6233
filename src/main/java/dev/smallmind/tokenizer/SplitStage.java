package dev.smallmind.tokenizer;

import org.agrona.collections.IntArrayList;

/**
 * One step of llama.cpp's {@code unicode_regex_split}: refines a partition of the text's code points into
 * consecutive segments. Every code point stays in exactly one segment; a stage never merges segments.
 */
interface SplitStage {
    /**
     * @param cps      the whole text as code points
     * @param segments lengths (in code points) of the current segments, covering {@code cps} in order
     * @return lengths of the refined segments
     */
    IntArrayList split(int[] cps, IntArrayList segments);
}
