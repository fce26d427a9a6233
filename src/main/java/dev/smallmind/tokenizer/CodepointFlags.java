package dev.smallmind.tokenizer;

import java.text.Normalizer;

/**
 * Unicode classes of a code point the way llama.cpp's {@code unicode.cpp} sees them: one general category bit
 * (its {@code \p{N}}, {@code \p{L}}, ... classes) plus a whitespace bit for exactly the 25 {@code White_Space} code
 * points. Categories come from the JDK; llama.cpp's generated tables are Unicode 15.1, so code points first assigned
 * in Unicode 16 are letters/marks/... here but "undefined" there (no test vocabulary touches them).
 */
final class CodepointFlags {
    static final int UNDEFINED = 0x0001;
    static final int NUMBER = 0x0002;
    static final int LETTER = 0x0004;
    static final int SEPARATOR = 0x0008;
    static final int ACCENT_MARK = 0x0010;
    static final int PUNCTUATION = 0x0020;
    static final int SYMBOL = 0x0040;
    static final int CONTROL = 0x0080;
    static final int CATEGORY_MASK = 0x00FF;
    static final int WHITESPACE = 0x0100;

    private CodepointFlags() {
    }

    /**
     * @param cp a code point, or a negative value for "outside the current segment"
     * @return the flags; 0 for positions outside a segment (llama.cpp's default-constructed flags)
     */
    static int of(int cp) {
        if (cp < 0) {
            return 0;
        }
        return category(cp) | (isWhitespace(cp) ? WHITESPACE : 0);
    }

    static boolean isLetter(int flags) {
        return (flags & LETTER) != 0;
    }

    static boolean isNumber(int flags) {
        return (flags & NUMBER) != 0;
    }

    static boolean isWhitespace(int cp) {
        return switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    private static int category(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> ACCENT_MARK;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE -> CONTROL;
            case Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                 Character.CONNECTOR_PUNCTUATION, Character.OTHER_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> SYMBOL;
            default -> UNDEFINED;
        };
    }

    /** @return llama.cpp's {@code unicode_tolower}: the first code point of the full lower-case mapping */
    static int toLower(int cp) {
        return Character.toLowerCase(cp);
    }

    /** @return llama.cpp's per-code-point NFD: the first code point of the canonical decomposition */
    static int nfdFirst(int cp) {
        if (cp < 0x80) {
            return cp;
        }
        return Normalizer.normalize(Character.toString(cp), Normalizer.Form.NFD).codePointAt(0);
    }
}
