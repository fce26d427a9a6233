package dev.smallmind.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tokenizer behaviour on small hand-made vocabularies whose results can be worked out by hand. */
class TokenizerTest {
    private static final int NORMAL = 1;
    private static final int UNKNOWN = 2;
    private static final int CONTROL = 3;
    private static final int USER_DEFINED = 4;
    private static final int BYTE = 6;

    /** SPM vocabulary: 0 unk, 1 s, 2 /s, 3..258 bytes, then the given (text, type, score) entries from id 259. */
    private static TokenizerSpec spm(String name, Map<String, Boolean> booleans, Object... entries) {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<Integer> types = new ArrayList<>(List.of(UNKNOWN, CONTROL, CONTROL));
        List<Float> scores = new ArrayList<>(List.of(0f, 0f, 0f));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(BYTE);
            scores.add(0f);
        }
        for (int i = 0; i < entries.length; i += 3) {
            tokens.add((String) entries[i]);
            types.add((Integer) entries[i + 1]);
            scores.add((Float) entries[i + 2]);
        }
        float[] s = new float[scores.size()];
        int[] t = new int[types.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
            t[i] = types.get(i);
        }
        return new TokenizerSpec("llama", null, tokens.toArray(String[]::new), s, t, null, Map.of(), booleans, name, "llama");
    }

    private static final int SPACE = 259;
    private static final int A = 260;
    private static final int B = 261;
    private static final int SPACE_A = 262;
    private static final int AB = 263;
    private static final int AA = 264;

    private static Tokenizer smallSpm() {
        return Tokenizer.of(spm("test", Map.of(),
                "\u2581", NORMAL, -2f, "a", NORMAL, -3f, "b", NORMAL, -3f, "\u2581a", NORMAL, -1f, "ab", NORMAL, -0.5f,
                "aa", NORMAL, -0.7f, "<x>", USER_DEFINED, 0f, "<|im_end|>", CONTROL, 0f, "<|eot_id|>", NORMAL, 0f));
    }

    @Test
    void spmMergesHighestScoreFirstWithDummyPrefix() {
        Tokenizer t = smallSpm();
        assertArrayEquals(new int[]{SPACE, AB}, t.encode("ab", false, false), "'ab' (-0.5) beats '\u2581a' (-1)");
        assertArrayEquals(new int[]{SPACE_A}, t.encode("a", false, false));
        assertArrayEquals(new int[]{SPACE, AA, A}, t.encode("aaa", false, false), "equal scores: leftmost first");
        assertArrayEquals(new int[]{SPACE_A, SPACE, B}, t.encode("a b", false, false));
    }

    @Test
    void spmFallsBackToByteTokens() {
        Tokenizer t = smallSpm();
        assertArrayEquals(new int[]{SPACE, 3 + 0xC3, 3 + 0xA9}, t.encode("\u00E9", false, false));
        assertArrayEquals(" \u00E9".getBytes(StandardCharsets.UTF_8), t.decode(t.encode("\u00E9", false, false)));
    }

    @Test
    void bosAndEosFollowModelDefaultsAndKeys() {
        Tokenizer t = smallSpm();
        assertTrue(t.addBos());
        assertFalse(t.addEos());
        assertArrayEquals(new int[]{1}, t.encode("", true, false));
        assertArrayEquals(new int[]{}, t.encode("", false, false));
        Tokenizer withEos = Tokenizer.of(spm("test", Map.of(TokenizerSpec.ADD_BOS, false, TokenizerSpec.ADD_EOS, true),
                "\u2581a", NORMAL, -1f));
        assertArrayEquals(new int[]{SPACE, 2}, withEos.encode("a", true, false));
    }

    @Test
    void specialTextIsParsedOnlyWhenAsked() {
        Tokenizer t = smallSpm();
        int imEnd = t.tokenId("<|im_end|>");
        int[] parsed = t.encode("a<|im_end|>b", false, true);
        assertArrayEquals(new int[]{SPACE_A, imEnd, SPACE, B}, parsed, "text after a special token gets the dummy prefix");
        int[] plain = t.encode("a<|im_end|>b", false, false);
        assertFalse(contains(plain, imEnd));
        assertEquals(" a<|im_end|>b", new String(t.decode(plain), StandardCharsets.UTF_8));
        assertArrayEquals(new int[]{1, 1}, t.encode("<s>", true, true), "llama.cpp keeps a second BOS");
    }

    @Test
    void userDefinedTokensAreAlwaysRecognised() {
        Tokenizer t = smallSpm();
        int x = t.tokenId("<x>");
        assertArrayEquals(new int[]{SPACE_A, x, SPACE, B}, t.encode("a<x>b", false, false));
    }

    @Test
    void phi3NameAddsRightStripToSpecialTokens() {
        Tokenizer plain = smallSpm();
        Tokenizer phi = Tokenizer.of(spm("Phi3", Map.of(),
                "\u2581", NORMAL, -2f, "a", NORMAL, -3f, "b", NORMAL, -3f, "\u2581a", NORMAL, -1f, "ab", NORMAL, -0.5f,
                "aa", NORMAL, -0.7f, "<x>", USER_DEFINED, 0f, "<|im_end|>", CONTROL, 0f, "<|eot_id|>", NORMAL, 0f));
        int x = plain.tokenId("<x>");
        assertArrayEquals(new int[]{x, SPACE, SPACE, SPACE, B}, plain.encode("<x>  b", false, false));
        assertArrayEquals(new int[]{x, SPACE, B}, phi.encode("<x>  b", false, false));
    }

    @Test
    void endOfGenerationAndControlLookingTokens() {
        Tokenizer t = smallSpm();
        int eot = t.tokenId("<|eot_id|>");
        assertTrue(t.isEndOfGeneration(2));
        assertTrue(t.isEndOfGeneration(t.tokenId("<|im_end|>")));
        assertTrue(t.isEndOfGeneration(eot));
        assertFalse(t.isEndOfGeneration(1));
        assertFalse(t.isEndOfGeneration(A));
        assertArrayEquals(new int[]{eot}, t.encode("<|eot_id|>", false, true), "normal-typed <|eot_id|> was made control");
        assertFalse(contains(t.encode("<|eot_id|>", false, false), eot));
        assertEquals("<|eot_id|>", t.piece(eot));
    }

    @Test
    void piecesRenderAsLlamaCppTokenToPiece() {
        Tokenizer t = smallSpm();
        assertEquals(" a", t.piece(SPACE_A));
        assertEquals("\u2581a", t.tokenText(SPACE_A));
        assertEquals("<s>", t.piece(1));
        assertEquals("<unk>", t.piece(0));
        assertArrayEquals(new byte[]{10}, t.tokenBytes(3 + 10));
        assertEquals(-1, t.tokenId("nope"));
        assertEquals(SPACE_A, t.tokenId("\u2581a"));
    }

    @Test
    void badIdsAreRejectedWithTheirValue() {
        Tokenizer t = smallSpm();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.tokenBytes(t.vocabSize()));
        assertTrue(e.getMessage().contains(String.valueOf(t.vocabSize())), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[]{1, -1}));
    }

    @Test
    void byteLevelBpeMergesLowestRankFirst() {
        String[] tokens = {"a", "b", "c", "\u0120", "ab", "abc", "\u0120a", "<|endoftext|>"};
        int[] types = {NORMAL, NORMAL, NORMAL, NORMAL, NORMAL, NORMAL, NORMAL, CONTROL};
        String[] merges = {"a b", "ab c", "\u0120 a"};
        Tokenizer t = Tokenizer.of(new TokenizerSpec("gpt2", "gpt-2", tokens, null, types, merges,
                Map.of(TokenizerSpec.BOS, 7L, TokenizerSpec.EOS, 7L), Map.of(), "x", "gpt2"));
        assertFalse(t.addBos());
        assertArrayEquals(new int[]{5, 3, 4}, t.encode("abc ab", false, false), "'a b' (rank 0) before '\u0120 a' (rank 2)");
        assertArrayEquals("abc ab".getBytes(StandardCharsets.UTF_8), t.decode(new int[]{5, 3, 4}));
        assertArrayEquals(new int[]{0, 7}, t.encode("a<|endoftext|>", false, true));
        assertTrue(t.isEndOfGeneration(7));
        assertArrayEquals(new int[]{}, t.encode("\u00E9", false, false), "bytes without tokens are dropped");
    }

    @Test
    void unsupportedModelsAndPreTokenizersAreNamed() {
        UnsupportedTokenizerException model = assertThrows(UnsupportedTokenizerException.class, () -> Tokenizer.of(
                new TokenizerSpec("t5", null, new String[]{"a"}, null, null, null, Map.of(), Map.of(), null, null)));
        assertTrue(model.getMessage().contains("'t5'"), model.getMessage());
        UnsupportedTokenizerException pre = assertThrows(UnsupportedTokenizerException.class, () -> Tokenizer.of(
                new TokenizerSpec("gpt2", "kimi-k2", new String[]{"a"}, null, null, new String[0], Map.of(), Map.of(), null, null)));
        assertTrue(pre.getMessage().contains("'kimi-k2'"), pre.getMessage());
    }

    @Test
    void inconsistentMetadataIsRejected() {
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> Tokenizer.of(
                new TokenizerSpec("llama", null, new String[]{"a", "b", "a"}, null, null, null, Map.of(), Map.of(), null, null)));
        assertTrue(dup.getMessage().contains("duplicate"), dup.getMessage());
        Map<String, Boolean> addBos = new HashMap<>();
        addBos.put(TokenizerSpec.ADD_BOS, true);
        IllegalArgumentException noBos = assertThrows(IllegalArgumentException.class, () -> Tokenizer.of(
                new TokenizerSpec("gpt2", "gpt-2", new String[]{"a"}, null, null, new String[0], Map.of(), addBos, null, null)));
        assertTrue(noBos.getMessage().contains(TokenizerSpec.BOS), noBos.getMessage());
    }

    private static boolean contains(int[] ids, int id) {
        for (int i : ids) {
            if (i == id) {
                return true;
            }
        }
        return false;
    }
}
