package dev.smallmind.generate;

import dev.smallmind.SharedData;
import dev.smallmind.json.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Generation held to one JSON object ({@link OutputFormat#JSON}) on real models: whatever the model would have
 * written, every output is the start of a valid object, and an output that ends because the object closed parses as
 * one. stories260K's 512 tokens include a byte token for every byte; llama-2-tiny-random has 32,000 tokens.
 */
class JsonOutputTest {
    private static final String PROMPT = "Once upon a time";

    @Test
    void everyOutputIsAValidObjectOrItsBeginning() throws Exception {
        for (String model : List.of("models/stories260K.gguf", "models/llama-2-tiny-random.gguf")) {
            try (LanguageModel lm = LanguageModel.open(SharedData.require(model), 2);
                 Session session = lm.newSession(new SessionOptions(512, 64))) {
                int complete = 0;
                for (int seed = 0; seed < 12; seed++) {
                    SamplerSettings sampler = seed == 0 ? SamplerSettings.GREEDY : SamplerSettings.defaults(seed);
                    GenerationOptions options = new GenerationOptions(200, sampler, List.of(), true, OutputFormat.JSON);
                    GenerationResult r = session.generate(PROMPT, options, TokenSink.NONE);
                    byte[] text = r.text().getBytes(StandardCharsets.UTF_8);
                    JsonRecognizer recognizer = new JsonRecognizer();
                    for (int i = 0; i < text.length; i++) {
                        assertTrue(recognizer.accept(text[i]), model + " seed " + seed + ": byte " + i + " of "
                                + r.text());
                    }
                    if (r.finishReason() == FinishReason.FORMAT_COMPLETE) {
                        complete++;
                        assertTrue(recognizer.complete(), r.text());
                        assertTrue(Json.parse(r.text()) instanceof Map<?, ?>, r.text());
                    } else {
                        assertEquals(FinishReason.LENGTH, r.finishReason(), r.text());
                        assertFalse(recognizer.complete(), r.text());
                    }
                    for (int token : r.tokens()) {
                        assertTrue(lm.tokenizer().isText(token), "a control token was generated: " + token);
                    }
                }
                System.out.printf("%s: %d of 12 JSON outputs closed their object within 200 tokens%n", model,
                        complete);
            }
        }
    }

    /** The same session serves text after JSON: the constraint holds only the requests that ask for it. */
    @Test
    void textRequestsAfterAJsonOneAreUnconstrained() throws Exception {
        try (LanguageModel lm = LanguageModel.open(SharedData.require("models/stories260K.gguf"), 1);
             Session session = lm.newSession(new SessionOptions(256, 64))) {
            GenerationResult before = session.generate(PROMPT, GenerationOptions.greedy(32), TokenSink.NONE);
            session.generate(PROMPT, GenerationOptions.greedy(32).withFormat(OutputFormat.JSON), TokenSink.NONE);
            GenerationResult after = session.generate(PROMPT, GenerationOptions.greedy(32), TokenSink.NONE);
            assertEquals(before.text(), after.text());
            assertFalse(before.text().isBlank());
        }
    }
}
