package dev.smallmind.generate;

/**
 * Recognizes one JSON object (RFC 8259) byte by byte, as a model writes it: {@link #accept} says whether a byte can
 * continue what came before toward a valid object, {@link #complete} whether the object is closed. Strings must be
 * valid UTF-8 without control characters (no overlong forms, no surrogates). Within that grammar, the forms a model
 * could repeat without end are bounded, as llama.cpp's JSON grammar bounds them: at most
 * {@value #MAX_WHITESPACE} whitespace bytes in a row, {@value #MAX_DIGITS} digits in an integer or fraction part,
 * {@value #MAX_EXPONENT_DIGITS} in an exponent, and nesting {@value #MAX_DEPTH} deep.
 *
 * <p>All state is primitive fields and one fixed array, so {@link #copyFrom} (to try a token's bytes on a copy) and
 * {@link #accept} allocate nothing. After a rejected byte the state is undefined; callers try bytes on a copy.
 */
final class JsonRecognizer {
    /** Deepest nesting of objects and arrays. */
    static final int MAX_DEPTH = 64;
    /** Longest run of whitespace between tokens. */
    static final int MAX_WHITESPACE = 20;
    /** Most digits of an integer or a fraction part. */
    static final int MAX_DIGITS = 16;
    /** Most digits of an exponent. */
    static final int MAX_EXPONENT_DIGITS = 3;

    private static final int ROOT = 0;
    private static final int KEY_OR_CLOSE = 1;
    private static final int KEY = 2;
    private static final int COLON = 3;
    private static final int VALUE = 4;
    private static final int VALUE_OR_CLOSE = 5;
    private static final int AFTER_VALUE = 6;
    private static final int STRING = 7;
    private static final int ESCAPE = 8;
    private static final int HEX = 9;
    private static final int LITERAL = 10;
    private static final int MINUS = 11;
    private static final int ZERO = 12;
    private static final int INTEGER = 13;
    private static final int POINT = 14;
    private static final int FRACTION = 15;
    private static final int EXPONENT_MARK = 16;
    private static final int EXPONENT_SIGN = 17;
    private static final int EXPONENT = 18;
    private static final int DONE = 19;

    private static final byte[][] LITERALS = {{'t', 'r', 'u', 'e'}, {'f', 'a', 'l', 's', 'e'}, {'n', 'u', 'l', 'l'}};

    private int state;
    /** Whether the string being read is an object key (then a colon follows). */
    private boolean key;
    /** Continuation bytes still due in the current UTF-8 sequence, and the range of the next one. */
    private int continuation;
    private int nextLow;
    private int nextHigh;
    /** Hex digits still due in a {@code \\u} escape. */
    private int hexLeft;
    /** Which of {@link #LITERALS} is being read, and how many of its bytes came. */
    private int literal;
    private int literalAt;
    /** Digits of the current number part. */
    private int digits;
    /** Whitespace bytes in a row. */
    private int whitespace;
    /** Open containers, innermost last: '{' or '['. */
    private final byte[] stack = new byte[MAX_DEPTH];
    private int depth;

    JsonRecognizer() {
        reset();
    }

    /** Back to the start: before the object's opening brace. */
    void reset() {
        state = ROOT;
        depth = 0;
        whitespace = 0;
    }

    /** Takes over {@code other}'s state. */
    void copyFrom(JsonRecognizer other) {
        state = other.state;
        key = other.key;
        continuation = other.continuation;
        nextLow = other.nextLow;
        nextHigh = other.nextHigh;
        hexLeft = other.hexLeft;
        literal = other.literal;
        literalAt = other.literalAt;
        digits = other.digits;
        whitespace = other.whitespace;
        depth = other.depth;
        System.arraycopy(other.stack, 0, stack, 0, depth);
    }

    /**
     * @return whether the next byte starts a character inside a string: then any whole UTF-8 characters other than
     * the quote, the backslash and control characters leave the state as it is
     */
    boolean betweenStringCharacters() {
        return state == STRING && continuation == 0;
    }

    /** @return whether the object is closed: nothing more may follow */
    boolean complete() {
        return state == DONE;
    }

    /**
     * @param b the next byte
     * @return whether it continues a valid JSON object (if not, this recognizer's state is undefined)
     */
    boolean accept(byte b) {
        int c = b & 0xFF;
        if (state <= AFTER_VALUE || state == DONE) {
            return structural(c);
        }
        whitespace = 0;
        switch (state) {
            case STRING -> {
                return stringByte(c);
            }
            case ESCAPE -> {
                return escape(c);
            }
            case HEX -> {
                if (!isHex(c)) {
                    return false;
                }
                if (--hexLeft == 0) {
                    state = STRING;
                }
                return true;
            }
            case LITERAL -> {
                byte[] word = LITERALS[literal];
                if (c != word[literalAt]) {
                    return false;
                }
                if (++literalAt == word.length) {
                    endValue();
                }
                return true;
            }
            default -> {
                return number(c);
            }
        }
    }

    /** A byte between tokens: whitespace, or what the state expects. */
    private boolean structural(int c) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            return state != DONE && ++whitespace <= MAX_WHITESPACE;
        }
        whitespace = 0;
        switch (state) {
            case ROOT -> {
                return c == '{' && open((byte) '{', KEY_OR_CLOSE);
            }
            case KEY_OR_CLOSE -> {
                return c == '"' ? startString(true) : c == '}' && close('{');
            }
            case KEY -> {
                return c == '"' && startString(true);
            }
            case COLON -> {
                if (c != ':') {
                    return false;
                }
                state = VALUE;
                return true;
            }
            case VALUE -> {
                return value(c);
            }
            case VALUE_OR_CLOSE -> {
                return c == ']' ? close('[') : value(c);
            }
            case AFTER_VALUE -> {
                byte container = stack[depth - 1];
                if (c == ',') {
                    state = container == '{' ? KEY : VALUE;
                    return true;
                }
                return c == (container == '{' ? '}' : ']') && close(container);
            }
            default -> {
                return false;
            }
        }
    }

    /** The first byte of a value. */
    private boolean value(int c) {
        switch (c) {
            case '{' -> {
                return open((byte) '{', KEY_OR_CLOSE);
            }
            case '[' -> {
                return open((byte) '[', VALUE_OR_CLOSE);
            }
            case '"' -> {
                return startString(false);
            }
            case 't', 'f', 'n' -> {
                literal = c == 't' ? 0 : c == 'f' ? 1 : 2;
                literalAt = 1;
                state = LITERAL;
                return true;
            }
            case '-' -> {
                state = MINUS;
                return true;
            }
            default -> {
                if (c == '0') {
                    state = ZERO;
                    return true;
                }
                return firstDigit(c >= '1' && c <= '9', INTEGER);
            }
        }
    }

    private boolean open(byte container, int next) {
        if (depth == MAX_DEPTH) {
            return false;
        }
        stack[depth++] = container;
        state = next;
        return true;
    }

    private boolean close(int container) {
        if (depth == 0 || stack[depth - 1] != container) {
            return false;
        }
        depth--;
        endValue();
        return true;
    }

    /** After a whole value: the next byte continues its container, or the object is done. */
    private void endValue() {
        state = depth == 0 ? DONE : AFTER_VALUE;
    }

    private boolean startString(boolean isKey) {
        key = isKey;
        continuation = 0;
        state = STRING;
        return true;
    }

    private boolean stringByte(int c) {
        if (continuation > 0) {
            if (c < nextLow || c > nextHigh) {
                return false;
            }
            continuation--;
            nextLow = 0x80;
            nextHigh = 0xBF;
            return true;
        }
        if (c == '"') {
            if (key) {
                state = COLON;
            } else {
                endValue();
            }
            return true;
        }
        if (c == '\\') {
            state = ESCAPE;
            return true;
        }
        if (c < 0x20) {
            return false;
        }
        if (c < 0x80) {
            return true;
        }
        return utf8Lead(c);
    }

    /** A UTF-8 lead byte: how many continuation bytes follow, and the range of the first (RFC 3629's table). */
    private boolean utf8Lead(int c) {
        nextLow = 0x80;
        nextHigh = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            continuation = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            continuation = 2;
            if (c == 0xE0) {
                nextLow = 0xA0;
            } else if (c == 0xED) {
                nextHigh = 0x9F;
            }
        } else if (c >= 0xF0 && c <= 0xF4) {
            continuation = 3;
            if (c == 0xF0) {
                nextLow = 0x90;
            } else if (c == 0xF4) {
                nextHigh = 0x8F;
            }
        } else {
            return false;
        }
        return true;
    }

    private boolean escape(int c) {
        switch (c) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                state = STRING;
                return true;
            }
            case 'u' -> {
                hexLeft = 4;
                state = HEX;
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private static boolean isHex(int c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    /**
     * A byte inside a number. Numbers have no closing byte: one that cannot continue the number ends it, if it may
     * end there, and is then read as the byte after the value.
     */
    private boolean number(int c) {
        boolean digit = isDigit(c);
        switch (state) {
            case MINUS -> {
                if (c == '0') {
                    state = ZERO;
                    return true;
                }
                return firstDigit(digit, INTEGER);
            }
            case ZERO, INTEGER -> {
                if (digit && state == INTEGER) {
                    return ++digits <= MAX_DIGITS;
                }
                if (c == '.') {
                    state = POINT;
                    return true;
                }
                if (c == 'e' || c == 'E') {
                    state = EXPONENT_MARK;
                    return true;
                }
                return !digit && endNumber(c);
            }
            case POINT -> {
                return firstDigit(digit, FRACTION);
            }
            case FRACTION -> {
                if (digit) {
                    return ++digits <= MAX_DIGITS;
                }
                if (c == 'e' || c == 'E') {
                    state = EXPONENT_MARK;
                    return true;
                }
                return endNumber(c);
            }
            case EXPONENT_MARK -> {
                if (c == '+' || c == '-') {
                    state = EXPONENT_SIGN;
                    return true;
                }
                return firstDigit(digit, EXPONENT);
            }
            case EXPONENT_SIGN -> {
                return firstDigit(digit, EXPONENT);
            }
            default -> {
                if (digit) {
                    return ++digits <= MAX_EXPONENT_DIGITS;
                }
                return endNumber(c);
            }
        }
    }

    /** The first digit of a number part, which must come here, starting that part. */
    private boolean firstDigit(boolean digit, int part) {
        if (!digit) {
            return false;
        }
        state = part;
        digits = 1;
        return true;
    }

    private boolean endNumber(int c) {
        endValue();
        return structural(c);
    }
}
