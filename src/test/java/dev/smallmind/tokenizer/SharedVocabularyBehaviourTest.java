package dev.smallmind.tokenizer;

import dev.smallmind.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Special ids, BOS rules, end-of-generation and lossless round trips on the shared llama.cpp vocabularies (the
 * round trips also cover gpt-neox and baichuan, which have no test vectors, using the common test strings).
 */
class SharedVocabularyBehaviourTest {
    private static List<String> inputs(String vocab) throws IOException {
        return VocabTestVectorsTest.splitInputs(Files.readString(
                SharedData.require("vocab/ggml-vocab-" + vocab + ".gguf.inp"), StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt-2", "mpt", "falcon", "starcoder", "refact", "deepseek-coder", "deepseek-llm", "gpt-neox"})
    void byteLevelBpeRoundTripsEveryTestString(String vocab) throws IOException {
        Tokenizer t = SharedVocabularies.load("vocab/ggml-vocab-" + vocab + ".gguf");
        for (String text : inputs("gpt-2")) {
            assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), t.decode(t.encode(text, false, false)), text);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "baichuan"})
    void sentencePieceRoundTripsWithTheDummyPrefix(String vocab) throws IOException {
        Tokenizer t = SharedVocabularies.load("vocab/ggml-vocab-" + vocab + ".gguf");
        for (String text : inputs("llama-spm")) {
            String expected = text.isEmpty() ? "" : " " + text;
            assertEquals(expected, new String(t.decode(t.encode(text, false, false)), StandardCharsets.UTF_8));
        }
    }

    @Test
    void gpt2HasNoBosByDefaultAndEndsOnEndOfText() {
        Tokenizer t = SharedVocabularies.load("vocab/ggml-vocab-gpt-2.gguf");
        assertFalse(t.addBos());
        assertEquals(50256, t.bos());
        assertEquals(50256, t.eos());
        assertTrue(t.isEndOfGeneration(50256));
        assertEquals(50257, t.vocabSize());
        assertArrayEquals(new int[]{50256}, t.encode("<|endoftext|>", true, true));
        assertFalse(t.encode("<|endoftext|>", false, false).length == 1);
        assertEquals(" world", t.piece(t.tokenId("\u0120world")));
    }

    @Test
    void deepseekCoderAddsBosFromTheKey() {
        Tokenizer t = SharedVocabularies.load("vocab/ggml-vocab-deepseek-coder.gguf");
        assertTrue(t.addBos());
        assertEquals(32013, t.encode("x", true, false)[0]);
        assertTrue(t.isEndOfGeneration(32014));
    }

    @Test
    void phi3EndOfGenerationTokens() {
        Tokenizer t = SharedVocabularies.load("vocab/ggml-vocab-phi-3.gguf");
        assertEquals(32000, t.eos());
        assertTrue(t.isEndOfGeneration(32000));
        assertTrue(t.isEndOfGeneration(t.tokenId("<|end|>")));
        assertTrue(t.isEndOfGeneration(2));
        assertFalse(t.isEndOfGeneration(t.tokenId("<|assistant|>")));
        assertArrayEquals(new int[]{1, t.tokenId("<|user|>"), t.tokenId("<|end|>")},
                t.encode("<|user|>\n<|end|>", true, true), "Phi-3 special tokens strip the whitespace after them");
    }

    @Test
    void bertWrapsInClsAndSep() throws IOException {
        Tokenizer t = SharedVocabularies.load("vocab/ggml-vocab-bert-bge.gguf");
        List<int[]> expected = VocabTestVectorsTest.parseOutputs(Files.readString(
                SharedData.require("vocab/ggml-vocab-bert-bge.gguf.out"), StandardCharsets.UTF_8));
        int index = inputs("bert-bge").indexOf("Hello world");
        int[] plain = expected.get(index);
        int[] wrapped = t.encode("Hello world", true, false);
        assertEquals(plain.length + 2, wrapped.length);
        assertEquals(101, wrapped[0]);
        assertEquals(102, wrapped[wrapped.length - 1]);
        assertArrayEquals(plain, java.util.Arrays.copyOfRange(wrapped, 1, wrapped.length - 1));
    }
}
