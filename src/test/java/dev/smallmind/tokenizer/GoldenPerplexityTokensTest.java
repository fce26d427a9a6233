package dev.smallmind.tokenizer;

import dev.smallmind.SharedData;
import dev.smallmind.json.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * {@code ../shared/golden/ppl.json} "tokens": llama-perplexity tokenizes {@code ppl-text.txt} (one trailing newline
 * removed) with add_special=true, parse_special=false; the ids must match exactly (3161 and 1896 tokens).
 */
class GoldenPerplexityTokensTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({"stories260K, models/stories260K.gguf", "tiny-random, models/llama-2-tiny-random.gguf"})
    @SuppressWarnings("unchecked")
    void tokenizesThePerplexityTextLikeLlamaPerplexity(String model, String file) throws IOException {
        String text = Files.readString(SharedData.require("golden/ppl-text.txt"), StandardCharsets.UTF_8);
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        Map<String, Object> ppl = (Map<String, Object>) Json.parse(
                Files.readString(SharedData.require("golden/ppl.json"), StandardCharsets.UTF_8));
        List<?> tokens = (List<?>) ((Map<String, Object>) ppl.get("tokens")).get(model);
        int[] expected = tokens.stream().mapToInt(o -> ((Long) o).intValue()).toArray();

        assertArrayEquals(expected, SharedVocabularies.load(file).encode(text, true, false));
    }
}
