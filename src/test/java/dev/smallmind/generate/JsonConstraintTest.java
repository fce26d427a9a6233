package dev.smallmind.generate;

import dev.smallmind.SharedData;
import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The constraint's mask, with its shortcuts (plain characters inside strings, the state after each first byte),
 * against the plain rule it stands for: a token is allowed exactly when it is text and a fresh copy of the output's
 * recognizer takes all of its bytes. Checked after every token of random objects as a real vocabulary encodes them:
 * llama's SentencePiece vocabulary (32,000 tokens with byte fallback) and GPT-2's byte-level BPE (50,257).
 */
class JsonConstraintTest {
    @Test
    void theMaskAllowsExactlyTheTokensThatContinueTheObject() throws Exception {
        for (String vocab : new String[]{"vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-gpt-2.gguf"}) {
            Tokenizer tokenizer;
            try (GgufFile gguf = GgufFile.open(SharedData.require(vocab))) {
                tokenizer = Tokenizer.fromGguf(gguf);
            }
            JsonConstraint constraint = new JsonConstraint(tokenizer);
            SplittableRandom random = new SplittableRandom(7);
            float[] logits = new float[tokenizer.vocabSize()];
            int checkedSteps = 0;
            for (int doc = 0; doc < 12; doc++) {
                int[] tokens = tokenizer.encode(RandomJson.object(random), false, false);
                constraint.reset();
                JsonRecognizer reference = new JsonRecognizer();
                for (int token : tokens) {
                    Arrays.fill(logits, 0f);
                    constraint.mask(logits);
                    for (int t = 0; t < logits.length; t++) {
                        assertEquals(allowed(tokenizer, reference, t), logits[t] == 0f,
                                vocab + ": token " + t + " " + tokenizer.tokenText(t) + " after "
                                        + checkedSteps + " steps");
                    }
                    assertEquals(0f, logits[token], "the document's own token " + tokenizer.tokenText(token));
                    constraint.accept(token);
                    for (byte b : tokenizer.tokenBytes(token)) {
                        assertTrue(reference.accept(b));
                    }
                    checkedSteps++;
                }
                assertTrue(constraint.complete(), vocab + ": document " + doc);
            }
            assertTrue(checkedSteps > 300, vocab + ": " + checkedSteps + " steps");
        }
    }

    private static boolean allowed(Tokenizer tokenizer, JsonRecognizer output, int token) {
        byte[] piece = tokenizer.tokenBytes(token);
        if (!tokenizer.isText(token) || piece.length == 0) {
            return false;
        }
        JsonRecognizer copy = new JsonRecognizer();
        copy.copyFrom(output);
        for (byte b : piece) {
            if (!copy.accept(b)) {
                return false;
            }
        }
        return true;
    }

    /** Control tokens never: not even their names, which would read as string content ("<s>", "</s>"). */
    @Test
    void controlTokensAreNeverAllowed() throws Exception {
        Tokenizer tokenizer;
        try (GgufFile gguf = GgufFile.open(SharedData.require("vocab/ggml-vocab-llama-spm.gguf"))) {
            tokenizer = Tokenizer.fromGguf(gguf);
        }
        JsonConstraint constraint = new JsonConstraint(tokenizer);
        for (byte b : "{\"name\": \"".getBytes(StandardCharsets.UTF_8)) {
            constraint.accept(tokenizer.tokenId(String.format("<0x%02X>", b)));
        }
        float[] logits = new float[tokenizer.vocabSize()];
        constraint.mask(logits);
        assertEquals(Float.NEGATIVE_INFINITY, logits[tokenizer.eos()]);
        assertEquals(Float.NEGATIVE_INFINITY, logits[tokenizer.bos()]);
        assertEquals(0f, logits[tokenizer.tokenId("▁Hello")]);
        assertEquals(Float.NEGATIVE_INFINITY, logits[tokenizer.tokenId("<0x0A>")], "a raw newline in a string");
    }
}
