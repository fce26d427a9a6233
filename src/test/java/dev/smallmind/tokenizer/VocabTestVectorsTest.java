package dev.smallmind.tokenizer;

import dev.smallmind.SharedData;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * llama.cpp's {@code test-tokenizer-0} vectors for every vocabulary in {@code ../shared/vocab}: each test string
 * encoded with addSpecial=false, parseSpecial=false must give exactly the ids of the {@code .out} line (460 cases).
 */
class VocabTestVectorsTest {
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";
    private static final List<String> VOCABS = List.of("llama-spm", "phi-3", "gpt-2", "mpt", "falcon", "starcoder",
            "refact", "deepseek-coder", "deepseek-llm", "bert-bge");

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> all = new ArrayList<>();
        for (String vocab : VOCABS) {
            String base = "vocab/ggml-vocab-" + vocab + ".gguf";
            Path inp = SharedData.root().resolve(base + ".inp");
            Path out = SharedData.root().resolve(base + ".out");
            if (!Files.exists(inp) || !Files.exists(out)) {
                all.add(Arguments.of(vocab, -1, Named.of("(absent)", ""), new int[0]));
                continue;
            }
            List<String> texts = splitInputs(Files.readString(inp, StandardCharsets.UTF_8));
            List<int[]> expected = parseOutputs(Files.readString(out, StandardCharsets.UTF_8));
            assertEquals(texts.size(), expected.size(), vocab + ": .inp and .out disagree on the number of tests");
            for (int i = 0; i < texts.size(); i++) {
                String shown = texts.get(i).length() > 40 ? texts.get(i).substring(0, 40) + "..." : texts.get(i);
                String visible = "'" + shown.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "'";
                all.add(Arguments.of(vocab, i, Named.of(visible, texts.get(i)), expected.get(i)));
            }
        }
        return all.stream();
    }

    static List<String> splitInputs(String file) {
        List<String> parts = new ArrayList<>(Arrays.asList(file.split(SEPARATOR, -1)));
        if (parts.getLast().isEmpty()) {
            parts.removeLast();
        }
        return parts;
    }

    static List<int[]> parseOutputs(String file) {
        List<String> lines = new ArrayList<>(Arrays.asList(file.split("\n", -1)));
        if (lines.getLast().isEmpty()) {
            lines.removeLast();
        }
        List<int[]> out = new ArrayList<>();
        for (String line : lines) {
            String trimmed = line.trim();
            out.add(trimmed.isEmpty() ? new int[0] : Arrays.stream(trimmed.split(" +")).mapToInt(Integer::parseInt).toArray());
        }
        return out;
    }

    @ParameterizedTest(name = "{0} #{1}: {2}")
    @MethodSource("cases")
    void encodesLikeLlamaCpp(String vocab, int index, String text, int[] expected) {
        Tokenizer tokenizer = SharedVocabularies.load("vocab/ggml-vocab-" + vocab + ".gguf");
        SharedData.require("vocab/ggml-vocab-" + vocab + ".gguf.inp");
        assertArrayEquals(expected, tokenizer.encode(text, false, false),
                () -> vocab + " #" + index + " '" + text + "': expected " + Arrays.toString(expected)
                        + " got " + Arrays.toString(tokenizer.encode(text, false, false)));
    }
}
