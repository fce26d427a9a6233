package dev.smallmind.tokenizer;

import org.junit.jupiter.api.Test;

import static dev.smallmind.tokenizer.CodepointFlags.ACCENT_MARK;
import static dev.smallmind.tokenizer.CodepointFlags.CONTROL;
import static dev.smallmind.tokenizer.CodepointFlags.LETTER;
import static dev.smallmind.tokenizer.CodepointFlags.NUMBER;
import static dev.smallmind.tokenizer.CodepointFlags.PUNCTUATION;
import static dev.smallmind.tokenizer.CodepointFlags.SEPARATOR;
import static dev.smallmind.tokenizer.CodepointFlags.SYMBOL;
import static dev.smallmind.tokenizer.CodepointFlags.UNDEFINED;
import static dev.smallmind.tokenizer.CodepointFlags.WHITESPACE;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Spot checks against entries of llama.cpp's generated {@code unicode_ranges_flags} table. */
class CodepointFlagsTest {
    @Test
    void categoriesMatchLlamaCppTable() {
        assertEquals(CONTROL, category(0x00));
        assertEquals(SEPARATOR, category(' '));
        assertEquals(PUNCTUATION, category('!'));
        assertEquals(SYMBOL, category('$'));
        assertEquals(SYMBOL, category('+'));
        assertEquals(NUMBER, category('0'));
        assertEquals(SYMBOL, category('<'));
        assertEquals(LETTER, category('A'));
        assertEquals(SYMBOL, category('^'));
        assertEquals(PUNCTUATION, category('_'));
        assertEquals(SYMBOL, category('`'));
        assertEquals(SYMBOL, category('~'));
        assertEquals(CONTROL, category(0x7F));
        assertEquals(SEPARATOR, category(0xA0));
        assertEquals(CONTROL, category(0xAD));
        assertEquals(NUMBER, category(0xB2));
        assertEquals(LETTER, category(0xB5));
        assertEquals(ACCENT_MARK, category(0x300));
        assertEquals(UNDEFINED, category(0x378));
        assertEquals(ACCENT_MARK, category(0x17B4));
        assertEquals(LETTER, category(0x2EBF0));
        assertEquals(CONTROL, category(0xE0001));
        assertEquals(ACCENT_MARK, category(0xE0100));
        assertEquals(CONTROL, category(0xF0000));
        assertEquals(UNDEFINED, category(0xFFFFE));
        assertEquals(CONTROL, category(0xD800));
    }

    @Test
    void whitespaceIsExactlyTheWhiteSpaceProperty() {
        int count = 0;
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if ((CodepointFlags.of(cp) & WHITESPACE) != 0) {
                count++;
            }
        }
        assertEquals(25, count);
        assertEquals(WHITESPACE | CONTROL, CodepointFlags.of('\t'));
        assertEquals(WHITESPACE | CONTROL, CodepointFlags.of(0x85));
        assertEquals(WHITESPACE | SEPARATOR, CodepointFlags.of(0x3000));
        assertEquals(CONTROL, CodepointFlags.of(0x1C));
        assertEquals(0, CodepointFlags.of(-1));
    }

    @Test
    void lowerCaseAndDecomposition() {
        assertEquals('i', CodepointFlags.toLower(0x130));
        assertEquals(0xFF, CodepointFlags.toLower(0x178));
        assertEquals('e', CodepointFlags.nfdFirst(0xE9));
        assertEquals('A', CodepointFlags.nfdFirst(0xC5));
        assertEquals(0x3A9, CodepointFlags.nfdFirst(0x2126));
    }

    private static int category(int cp) {
        return CodepointFlags.of(cp) & CodepointFlags.CATEGORY_MASK;
    }
}
