package dev.smallmind.generate;

import dev.smallmind.SharedData;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the first-request tests measure: one generation right after {@link LanguageModel#warmUp}, in a JVM where
 * nothing else ran the engine (surefire gives each such class its own), held to the steady state's figure.
 */
final class FirstRequest {
    /** A few hundred bytes in all, e.g. one late compilation's, rather than the 1 KB budget of the decode loop. */
    private static final double MAX_BYTES_PER_TOKEN = 64;

    private FirstRequest() {
    }

    /**
     * @param model   path under {@code ../shared}
     * @param context the session's context
     * @param tokens  tokens to generate from "Once upon a time"
     * @param sampler how
     */
    static void assertNoGarbage(String model, int context, int tokens, SamplerSettings sampler) throws Exception {
        try (LanguageModel lm = LanguageModel.open(SharedData.require(model), 2);
             Session session = lm.newSession(new SessionOptions(context, 64))) {
            lm.warmUp();
            int[] prompt = lm.tokenizer().encode("Once upon a time", true, true);
            GenerationOptions options = new GenerationOptions(tokens, sampler, List.of(), false);
            GenerationResult r = session.generate(prompt, options, TokenSink.NONE);
            assertEquals(tokens, r.tokens().length);
            DecodeMemory m = r.memory();
            System.out.printf("first request after warm-up, %d tokens to position %d: %d GC collections, "
                    + "%.1f heap bytes/token%n", m.tokens(), session.position(), m.gcCollections(),
                    m.heapBytesPerToken());
            assertEquals(0, m.gcCollections(), "garbage collections during the first request's decode");
            assertTrue(m.heapBytesPerToken() < MAX_BYTES_PER_TOKEN, "heap bytes per token: " + m.heapBytesPerToken());
        }
    }
}
