package dev.smallmind.tokenizer;

import org.agrona.collections.IntArrayList;
import dev.smallmind.SharedData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Pre-tokenizer stages on hand-worked examples. */
class SplittersTest {
    @Test
    void gpt2Splitter() {
        assertEquals(List.of("Hello", " world", "'s", " ", " x", "\n\n", " 12", "ab", "!!"),
                split(new Gpt2Splitter(), "Hello world's  x\n\n 12ab!!"));
        assertEquals(List.of("  "), split(new Gpt2Splitter(), "  "));
        assertEquals(List.of("'", "S"), split(new Gpt2Splitter(), "'S"));
    }

    @Test
    void llama3Splitter() {
        assertEquals(List.of("Hello", " WORLD", "'S", " ", " x", "\n\n", " ", "123", "4", "ab", "!!\n"),
                split(new Llama3Splitter(), "Hello WORLD'S  x\n\n 1234ab!!\n"));
    }

    @Test
    void splittersStayInsideEarlierSegments() {
        IntArrayList segments = new IntArrayList();
        segments.addInt(3);
        segments.addInt(5);
        int[] cps = "ab cd ef".codePoints().toArray();
        assertEquals(List.of("ab", " ", "cd", " ef"), pieces(cps, new Gpt2Splitter().split(cps, segments)));
    }

    @Test
    void regexSplitterKeepsGapsAndUsesCollapsedCategories() {
        assertEquals(List.of("ab", "12", "c", "\uFF134"), split(new RegexSplitter("\\p{N}+"), "ab12c\uFF134"));
        assertEquals(List.of("a", "-", "b$c", "\u2014", "d"), split(new RegexSplitter("\\p{P}+"), "a-b$c\u2014d"));
        assertEquals(List.of("x", "\u0301\u0302", "y"), split(new RegexSplitter("\\p{M}+"), "x\u0301\u0302y"));
    }

    @Test
    void regexSplitterWithoutCategoriesSeesNonAsciiWhitespace() {
        assertEquals(List.of("a", "\u3000", "b"), split(new RegexSplitter("\\s+"), "a\u3000b"));
        assertEquals(List.of("\uD801\uDC00\uD801\uDC01", "z"), split(new RegexSplitter("[\uD801\uDC00-\uD801\uDC4F]+"),
                "\uD801\uDC00\uD801\uDC01z"));
    }

    @Test
    void endAnchorIsEcmaScriptEndOfInput() {
        assertEquals(List.of("ab\n"), split(new RegexSplitter("b$"), "ab\n"));
        assertEquals(List.of("a", "b"), split(new RegexSplitter("b$"), "ab"));
        assertEquals("[\u00D10-9]+", RegexSplitter.collapse("\\p{N}+"));
        assertEquals("[^\\r\\n\u00D2A-Za-z\u00D10-9]?", RegexSplitter.collapse("[^\\r\\n\\p{L}\\p{N}]?"));
        assertEquals("\\s+\\z[$]", RegexSplitter.toJava("\\s+$[$]"));
    }

    /**
     * llama.cpp uses its hand-written matchers as exact stand-ins for these patterns; the generic regex path must
     * agree with them, which checks the collapsed-category emulation on real text.
     */
    @Test
    void regexEmulationAgreesWithHandWrittenMatchers() throws IOException {
        List<String> texts = new ArrayList<>(List.of("don't STOP'LL  \t\n\r\n x", "a\u00A0b\u2003\u2003c\u3000",
                "\u0301x \u0301", "x\uD83D\uDE00\uD83D\uDE00 y", "12345 1.5e-3", "\u0000\u007F\u00AD\u0378 \uE000"));
        Path inp = SharedData.root().resolve("vocab/ggml-vocab-gpt-2.gguf.inp");
        if (Files.exists(inp)) {
            texts.addAll(VocabTestVectorsTest.splitInputs(Files.readString(inp, StandardCharsets.UTF_8)));
        }
        SplitStage gpt2Regex = new RegexSplitter(Gpt2Splitter.PATTERN);
        SplitStage llama3Regex = new RegexSplitter(Llama3Splitter.PATTERN_EXPANDED);
        for (String text : texts) {
            assertEquals(split(new Gpt2Splitter(), text), split(gpt2Regex, text), text);
            assertEquals(split(new Llama3Splitter(), text), split(llama3Regex, text), text);
        }
    }

    @Test
    void everyPreTokenizerCompilesAndCoversTheText() {
        String text = "Hello, y'all! 12345 \u65E5\u672C\u8A9E \u041F\u0440\u0438\u0432\u0435\u0442\n\n  \uD83E\uDD99 $x+=1;";
        for (PreTokenizerType type : PreTokenizerType.values()) {
            int[] cps = text.codePoints().toArray();
            IntArrayList segments = new IntArrayList();
            segments.addInt(cps.length);
            for (SplitStage stage : type.stages()) {
                segments = stage.split(cps, segments);
            }
            pieces(cps, segments);
            for (String name : type.names) {
                assertEquals(type, PreTokenizerType.named(name), name);
            }
        }
        assertEquals(PreTokenizerType.DEFAULT, PreTokenizerType.named(null));
        assertNull(PreTokenizerType.named("no-such-pre"));
    }

    private static List<String> split(SplitStage stage, String text) {
        int[] cps = text.codePoints().toArray();
        IntArrayList whole = new IntArrayList();
        whole.addInt(cps.length);
        return pieces(cps, stage.split(cps, whole));
    }

    private static List<String> pieces(int[] cps, IntArrayList lengths) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < lengths.size(); i++) {
            out.add(new String(cps, start, lengths.getInt(i)));
            start += lengths.getInt(i);
        }
        assertEquals(cps.length, start, "segments cover the text");
        return out;
    }
}
