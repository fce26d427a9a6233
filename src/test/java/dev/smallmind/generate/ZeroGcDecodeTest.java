package dev.smallmind.generate;

import dev.smallmind.SharedData;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decode loop allocates nothing: after warm-up, 2,000 generated tokens cause 0 garbage collections and less
 * than 1 KB of heap allocation per token, summed over the generating thread and every worker. Surefire runs this
 * class in its own JVM with a 64 MB heap (see pom.xml), so a leak would show as collections.
 */
class ZeroGcDecodeTest {
    private static final int TOKENS = 2000;
    private static final int WARM_UP_RUNS = 10;

    /**
     * Runs whole generations until one shows the steady state, at most {@link #WARM_UP_RUNS}: until C2 has compiled
     * every kernel (including the attention paths of long positions), the Vector API runs its allocating
     * fallback code, and how long that takes depends on the machine's load.
     */
    private static void warmUp(Session session, int[] prompt, GenerationOptions options) {
        for (int i = 0; i < WARM_UP_RUNS; i++) {
            DecodeMemory m = session.generate(prompt, options, TokenSink.NONE).memory();
            if (m.gcCollections() == 0 && m.heapBytesPerToken() < 64) {
                return;
            }
        }
    }

    @Test
    void decodingTwoThousandTokensCollectsNoGarbage() throws Exception {
        try (LanguageModel lm = LanguageModel.open(SharedData.require("models/stories260K.gguf"), 2);
             Session session = lm.newSession(new SessionOptions(2048, 64))) {
            int[] prompt = lm.tokenizer().encode("Once upon a time", true, true);
            for (SamplerSettings sampler : List.of(SamplerSettings.GREEDY, SamplerSettings.defaults(7))) {
                GenerationOptions options = new GenerationOptions(TOKENS, sampler, List.of(), false);
                warmUp(session, prompt, options);
                GenerationResult r = session.generate(prompt, options, TokenSink.NONE);
                assertEquals(TOKENS, r.tokens().length);
                DecodeMemory m = r.memory();
                System.out.printf("decode of %d tokens (%s): %d GC collections, %.1f heap bytes/token, %.0f tok/s%n",
                        m.tokens(), sampler.greedy() ? "greedy" : "sampled", m.gcCollections(),
                        m.heapBytesPerToken(), r.timings().decodeTokensPerSecond());
                assertEquals(0, m.gcCollections(), "garbage collections during decode");
                assertTrue(m.heapBytesPerToken() < 1024, "heap bytes per token: " + m.heapBytesPerToken());
            }
        }
    }
}
