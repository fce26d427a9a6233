package dev.smallmind.tokenizer;

import dev.smallmind.SharedData;
import dev.smallmind.json.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code ../shared/golden/tokenize.json}: llama-server's /tokenize (parse_special true unless stated), pieces and
 * /detokenize on the stories260K and tiny-random vocabularies, 20 strings each.
 */
class GoldenTokenizeTest {
    private static final Map<String, String> MODELS = Map.of(
            "stories260K", "models/stories260K.gguf",
            "tiny-random", "models/llama-2-tiny-random.gguf");

    @SuppressWarnings("unchecked")
    static Stream<Arguments> cases() throws IOException {
        Path file = SharedData.root().resolve("golden/tokenize.json");
        if (!Files.exists(file)) {
            return Stream.of(Arguments.of("stories260K", "(absent)", Map.of()));
        }
        Map<String, Object> root = (Map<String, Object>) Json.parse(Files.readString(file, StandardCharsets.UTF_8));
        List<Arguments> out = new ArrayList<>();
        for (Object c : (List<Object>) root.get("cases")) {
            Map<String, Object> testCase = (Map<String, Object>) c;
            for (String model : List.of("stories260K", "tiny-random")) {
                out.add(Arguments.of(model, testCase.get("text"), testCase.get(model)));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: ''{1}''")
    @MethodSource("cases")
    void matchesLlamaServer(String model, String text, Map<String, Object> expected) {
        SharedData.require("golden/tokenize.json");
        Tokenizer tokenizer = SharedVocabularies.load(MODELS.get(model));

        int[] withSpecial = ids(expected.get("ids_add_special_true"));
        int[] withoutSpecial = ids(expected.get("ids_add_special_false"));
        assertArrayEquals(withSpecial, tokenizer.encode(text, true, true), "add_special=true");
        assertArrayEquals(withoutSpecial, tokenizer.encode(text, false, true), "add_special=false");
        assertEquals(expected.get("detokenize_add_special_true_ids"), utf8(tokenizer.decode(withSpecial)));
        assertEquals(expected.get("detokenize_add_special_false_ids"), utf8(tokenizer.decode(withoutSpecial)));

        List<?> pieces = (List<?>) expected.get("pieces");
        assertEquals(pieces.size(), withoutSpecial.length, "piece count");
        for (int i = 0; i < withoutSpecial.length; i++) {
            assertArrayEquals(pieceBytes(pieces.get(i)), tokenizer.tokenBytes(withoutSpecial[i]), "piece " + i);
        }

        if (expected.containsKey("ids_add_special_false_parse_special_false")) {
            int[] plain = ids(expected.get("ids_add_special_false_parse_special_false"));
            assertArrayEquals(plain, tokenizer.encode(text, false, false), "parse_special=false");
            assertEquals(expected.get("detokenize_parse_special_false_ids"), utf8(tokenizer.decode(plain)));
        }
    }

    private static int[] ids(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> ((Long) o).intValue()).toArray();
    }

    /** A piece is a string when its bytes are valid UTF-8, else the list of its bytes. */
    private static byte[] pieceBytes(Object piece) {
        if (piece instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        List<?> bytes = (List<?>) piece;
        byte[] out = new byte[bytes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) ((Long) bytes.get(i)).intValue();
        }
        return out;
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
