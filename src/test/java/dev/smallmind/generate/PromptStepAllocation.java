package dev.smallmind.generate;

import dev.smallmind.memory.HeapCounters;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The measurement behind {@link ZeroGcDecodeTest#promptStepsAllocateNothingOnceCompiled}, run as its own process
 * for one model: repeats a 136-token prompt step until one allocates under {@link #LIMIT} heap bytes (summed over
 * the caller and the workers) or {@link #DEADLINE_NANOS} pass, then prints {@code <bytes of the last step> <steps>}.
 */
final class PromptStepAllocation {
    static final long LIMIT = 1024;
    static final long DEADLINE_NANOS = 60_000_000_000L;

    private PromptStepAllocation() {
    }

    /** @param args the model file */
    public static void main(String[] args) throws IOException {
        try (LanguageModel lm = LanguageModel.open(Path.of(args[0]), 2);
             Session session = lm.newSession(new SessionOptions(256, 256))) {
            int[] prompt = new int[136];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = 1 + (i * 37) % (lm.tokenizer().vocabSize() - 1);
            }
            long[] workers = lm.pool().workerThreadIds();
            long[] threads = new long[workers.length + 1];
            threads[0] = Thread.currentThread().threadId();
            System.arraycopy(workers, 0, threads, 1, workers.length);
            HeapCounters counters = new HeapCounters();
            long deadline = System.nanoTime() + DEADLINE_NANOS;
            long bytes;
            int steps = 0;
            do {
                session.reset();
                long before = counters.allocatedBytes(threads);
                session.evaluate(prompt, 0, prompt.length);
                bytes = counters.allocatedBytes(threads) - before;
                steps++;
            } while (bytes >= LIMIT && System.nanoTime() < deadline);
            System.out.println(bytes + " " + steps);
        }
    }
}
