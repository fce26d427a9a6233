package dev.smallmind.generate;

import dev.smallmind.SharedData;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The first request after {@link LanguageModel#warmUp} that decodes past the warm-up's positions (the rehearsal
 * stops at 1,023), in a JVM of its own: 3,000 tokens of stories260K in a context of 4,096. Past about 2,900
 * positions one part of decode attention weighs so little against the other that its weight underflows to 0;
 * {@code CausalAttention.combine} branched on that weight, a branch the warm-up never took, and C2 went back to the
 * interpreter for it mid-generation: 380-490 heap bytes per token. Held to the steady state's figure, as
 * {@link ZeroGcFirstRequestTest} is.
 */
class ZeroGcLongFirstRequestTest {
    private static final int TOKENS = 3000;
    private static final double MAX_BYTES_PER_TOKEN = 64;

    @Test
    void firstRequestPastTheRehearsedPositionsCollectsNoGarbage() throws Exception {
        try (LanguageModel lm = LanguageModel.open(SharedData.require("models/stories260K.gguf"), 2);
             Session session = lm.newSession(new SessionOptions(4096, 64))) {
            lm.warmUp();
            int[] prompt = lm.tokenizer().encode("Once upon a time", true, true);
            GenerationOptions options = new GenerationOptions(TOKENS, SamplerSettings.defaults(7), List.of(), false);
            GenerationResult r = session.generate(prompt, options, TokenSink.NONE);
            assertEquals(TOKENS, r.tokens().length);
            DecodeMemory m = r.memory();
            System.out.printf("first request after warm-up, %d tokens to position %d: %d GC collections, "
                    + "%.1f heap bytes/token%n", m.tokens(), session.position(), m.gcCollections(),
                    m.heapBytesPerToken());
            assertEquals(0, m.gcCollections(), "garbage collections during the first request's decode");
            assertTrue(m.heapBytesPerToken() < MAX_BYTES_PER_TOKEN, "heap bytes per token: " + m.heapBytesPerToken());
        }
    }
}
