package dev.smallmind.generate;

import dev.smallmind.SharedData;
import dev.smallmind.memory.HeapCounters;

import java.io.IOException;
import java.lang.management.ManagementFactory;

/**
 * The measurement behind {@link FirstPromptAfterWarmUpTest}: opens stories260K, warms it up, and counts the heap
 * bytes of one {@value #PROMPT}-token prompt step over every thread; {@link #main} prints them, for a JVM of its own.
 */
final class FirstPromptStep {
    static final int PROMPT = 101;

    private FirstPromptStep() {
    }

    /** @return heap bytes of the first long prompt step after the warm-up */
    static long measure() throws IOException {
        try (LanguageModel lm = LanguageModel.open(SharedData.require("models/stories260K.gguf"), 2);
             Session session = lm.newSession(new SessionOptions(512, 128))) {
            lm.warmUp();
            int[] prompt = new int[PROMPT];
            for (int i = 0; i < PROMPT; i++) {
                prompt[i] = 1 + (i * 37) % (session.vocabSize() - 1);
            }
            long[] threads = ManagementFactory.getThreadMXBean().getAllThreadIds();
            HeapCounters counters = new HeapCounters();
            long before = counters.allocatedBytes(threads);
            session.evaluate(prompt, 0, PROMPT);
            return counters.allocatedBytes(threads) - before;
        }
    }

    /** Prints {@link #measure}'s bytes as the last line. */
    public static void main(String[] args) throws IOException {
        System.out.println(measure());
    }
}
