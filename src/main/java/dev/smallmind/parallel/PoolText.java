package dev.smallmind.parallel;

/**
 * The text of {@link WorkerPool}, its threads' names and failure messages, kept out of its class: the pool runs in
 * every step, and HotSpot resolves, and so allocates, every String constant of a class on the thread that first asks
 * C2 to compile one of its methods, which can be a decode step long after the warm-up (docs/architecture.md, "Zero
 * allocation and the JIT: String constants").
 */
final class PoolText {
    private PoolText() {
    }

    static String workerName(int index) {
        return "smallmind-worker-" + index;
    }

    static IllegalArgumentException threadCount(int threads) {
        return new IllegalArgumentException("thread count must be between 1 and " + WorkerPool.MAX_THREADS + ", got "
                + threads);
    }

    static IllegalArgumentException grain(int grain) {
        return new IllegalArgumentException("grain must be >= 1, got " + grain);
    }

    static IllegalArgumentException chunk(int chunk) {
        return new IllegalArgumentException("chunk must be >= 1, got " + chunk);
    }

    static IllegalStateException closed() {
        return new IllegalStateException("worker pool is closed");
    }
}
