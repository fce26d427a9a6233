package dev.smallmind.generate;

import org.junit.jupiter.api.Test;

/**
 * The first request after {@link LanguageModel#warmUp} that decodes past the warm-up's positions (the rehearsal
 * stops at 1,023), in a JVM of its own ({@link FirstRequest}): 3,000 tokens of stories260K in a context of 4,096.
 * Past about 2,900 positions one part of decode attention weighs so little against the other that its weight
 * underflows to 0; {@code CausalAttention.combine} branched on that weight, a branch the warm-up never took, and C2
 * went back to the interpreter for it mid-generation: 323-490 heap bytes per token.
 */
class ZeroGcLongFirstRequestTest {
    @Test
    void firstRequestPastTheRehearsedPositionsCollectsNoGarbage() throws Exception {
        FirstRequest.assertNoGarbage("models/stories260K.gguf", 4096, 3000, SamplerSettings.defaults(7));
    }
}
