package dev.smallmind.tokenizer;

import java.util.Arrays;

/**
 * A min-heap of candidate merges of two adjacent symbols, ordered by a priority (smaller first) and then by the
 * left symbol's index, as llama.cpp's SPM and BPE work queues are. Each entry also carries the right symbol and the
 * combined length at the time it was queued, so stale entries can be recognised when they come out.
 */
final class BigramQueue {
    private long[] keys = new long[64];
    private int[] rights = new int[64];
    private int[] sizes = new int[64];
    private int count;

    void clear() {
        count = 0;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /**
     * @param priority smaller pops first
     * @param left     left symbol index, the tie-breaker (smaller first)
     * @param right    right symbol index
     * @param size     combined length of both symbols when queued
     */
    void push(int priority, int left, int right, int size) {
        if (count == keys.length) {
            keys = Arrays.copyOf(keys, count * 2);
            rights = Arrays.copyOf(rights, count * 2);
            sizes = Arrays.copyOf(sizes, count * 2);
        }
        int i = count++;
        long key = ((long) priority << 32) | (left & 0xFFFFFFFFL);
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (keys[parent] <= key) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        keys[i] = key;
        rights[i] = right;
        sizes[i] = size;
    }

    int topLeft() {
        return (int) keys[0];
    }

    int topRight() {
        return rights[0];
    }

    int topSize() {
        return sizes[0];
    }

    void pop() {
        count--;
        if (count == 0) {
            return;
        }
        long key = keys[count];
        int right = rights[count];
        int size = sizes[count];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= count) {
                break;
            }
            if (child + 1 < count && keys[child + 1] < keys[child]) {
                child++;
            }
            if (keys[child] >= key) {
                break;
            }
            move(child, i);
            i = child;
        }
        keys[i] = key;
        rights[i] = right;
        sizes[i] = size;
    }

    private void move(int from, int to) {
        keys[to] = keys[from];
        rights[to] = rights[from];
        sizes[to] = sizes[from];
    }

    /** @return a priority that orders higher scores first (for SentencePiece's highest-score-first merging) */
    static int descendingScore(float score) {
        int bits = Float.floatToIntBits(score);
        int ascending = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ~ascending;
    }
}
