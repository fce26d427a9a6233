package dev.smallmind.generate;

import dev.smallmind.SharedData;
import dev.smallmind.memory.HeapCounters;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The first long prompt after {@link LanguageModel#warmUp} runs compiled products, in a JVM where nothing else has
 * run the engine (surefire gives this class its own, with a 64 MB heap). The F32 GEMM's 4 x 64 micro-kernel is too
 * big for C1, so until C2 compiles it, it is interpreted, every vector boxed: a 91-token prompt on the medium Q4_0
 * preset took 1.7-2.6 s instead of 0.3 s, and this test's step allocated 272 MB without the warm-up's prompt
 * products (300 KB when they stopped with only the micro-kernel's loop compiled). A 100-token step of
 * stories260K (F32) takes a whole 64-token panel and a 36-token partial one; held to {@value #MAX_BYTES} bytes.
 */
class FirstPromptAfterWarmUpTest {
    private static final int PROMPT = 100;
    private static final long MAX_BYTES = 16 * 1024;

    @Test
    void firstLongPromptAfterWarmUpAllocatesAlmostNothing() throws Exception {
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
            long bytes = counters.allocatedBytes(threads) - before;
            System.out.printf("first %d-token prompt step after warm-up: %d heap bytes%n", PROMPT, bytes);
            assertTrue(bytes < MAX_BYTES, "heap bytes of the first long prompt step: " + bytes);
        }
    }
}
