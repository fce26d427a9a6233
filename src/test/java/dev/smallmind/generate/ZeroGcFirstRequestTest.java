package dev.smallmind.generate;

import org.junit.jupiter.api.Test;

/**
 * The first request after {@link LanguageModel#warmUp} decodes without garbage ({@link FirstRequest}). The model is
 * the one-layer {@code llama-2-tiny-random.gguf}: it calls its norms, attention and SwiGLU once per token, so
 * without the warm-up's rehearsed steps C2 had not compiled them after the warm-up's generations, and the first
 * 1,500-token request allocated 1.5 to 8 KB per token from the command line, 580 to 910 bytes here (C1-compiled
 * Vector API code boxes every vector).
 */
class ZeroGcFirstRequestTest {
    @Test
    void firstRequestAfterWarmUpCollectsNoGarbage() throws Exception {
        FirstRequest.assertNoGarbage("models/llama-2-tiny-random.gguf", 2048, 2000, SamplerSettings.GREEDY);
    }
}
