package dev.smallmind.generate;

/**
 * What the decode phase of a generation cost the Java heap, measured with the JVM's own counters.
 *
 * @param gcCollections collections of every garbage collector during decode
 * @param heapBytes     heap bytes allocated during decode by the generating thread and every engine worker
 * @param tokens        decode steps measured
 */
public record DecodeMemory(long gcCollections, long heapBytes, int tokens) {
    /** @return heap bytes per decoded token */
    public double heapBytesPerToken() {
        return tokens == 0 ? 0 : (double) heapBytes / tokens;
    }
}
