package dev.smallmind.model;

import dev.smallmind.SharedData;
import dev.smallmind.generate.GenerationOptions;
import dev.smallmind.generate.GenerationResult;
import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.Session;
import dev.smallmind.generate.SessionOptions;
import dev.smallmind.generate.TokenSink;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Free greedy generation on stories260K reproduces llama.cpp's ids and text exactly for every golden prompt
 * (the README shows every margin there is far above the F32 tolerance), tokenizing the prompt ourselves.
 */
class GoldenGreedyTest {
    @Test
    void stories260KGreedyGenerationIsIdenticalToLlamaCpp() throws Exception {
        Map<String, Object> g = Golden.load("stories260K.greedy.json");
        for (int threads : new int[] {1, 2}) {
            try (LanguageModel lm = LanguageModel.open(SharedData.require("models/stories260K.gguf"), threads);
                 Session session = lm.newSession(new SessionOptions(512, 16, DType.F32))) {
                for (Object c : (List<?>) g.get("cases")) {
                    Map<?, ?> kase = (Map<?, ?>) c;
                    int[] prompt = lm.tokenizer().encode((String) kase.get("prompt"), true, true);
                    assertArrayEquals(Golden.ints(kase.get("prompt_ids")), prompt, "prompt ids");
                    int[] expected = Golden.ints(kase.get("generated_ids"));
                    GenerationResult r = session.generate(prompt, GenerationOptions.greedy(expected.length),
                            TokenSink.NONE);
                    assertEquals(Arrays.toString(expected), Arrays.toString(r.tokens()),
                            "prompt '" + kase.get("prompt") + "' with " + threads + " threads");
                    assertEquals(kase.get("generated_text"), r.text());
                }
            }
        }
    }
}
