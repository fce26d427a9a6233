package dev.smallmind.generate;

import dev.smallmind.json.Json;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JSON recognizer against the project's strict parser ({@link Json#parse} over strictly decoded UTF-8): on
 * random objects and on every kind of one-byte damage to them, a document is accepted whole exactly when the parser
 * takes it as an object; and at the first byte where it goes wrong, not later.
 */
class JsonRecognizerTest {
    /** Index of the first byte the recognizer refuses, or -1 when it takes them all. */
    private static int firstRefused(byte[] doc) {
        JsonRecognizer r = new JsonRecognizer();
        for (int i = 0; i < doc.length; i++) {
            if (!r.accept(doc[i])) {
                return i;
            }
        }
        return -1;
    }

    private static boolean recognizes(byte[] doc) {
        JsonRecognizer r = new JsonRecognizer();
        for (byte b : doc) {
            if (!r.accept(b)) {
                return false;
            }
        }
        return r.complete();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void objectsAreRecognizedAndCompleteOnlyAtTheirLastByte() {
        String[] docs = {
                "{}", " \n{ }", "{\"a\":1}", "{\"a\": [1, -2.5e10, 0, -0.0, 1E+2, 3e-7, true, false, null, [], {}]}",
                "{\"k\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\ude00\": \"é中😀\"}", "{\"\":{\"\":{\"\":[[[]]]}}}",
                "{\"x\":\"\u007f\"}"};
        for (String doc : docs) {
            byte[] b = utf8(doc);
            JsonRecognizer r = new JsonRecognizer();
            for (int i = 0; i < b.length; i++) {
                assertTrue(r.accept(b[i]), doc + " at byte " + i);
                assertEquals(i == b.length - 1, r.complete(), doc + " complete at byte " + i);
            }
        }
    }

    @Test
    void theFirstWrongByteIsRefused() {
        Object[][] cases = {
                {"[1]", 0}, {"\"a\"", 0}, {"{\"a\":01}", 6}, {"{\"a\":tru}", 8}, {"{\"a\" 1}", 5}, {"{,}", 1},
                {"{\"a\":1,}", 7}, {"{\"a\":1}}", 7}, {"{} ", 2}, {"{\"a\":1.}", 7}, {"{\"a\":-}", 6},
                {"{\"a\":1e}", 7}, {"{\"a\":\"\\x\"}", 7}, {"{\"a\":\"\\u12G4\"}", 10}, {"{\"a\":[1}", 7},
                {"{\"a\":{]}", 6}, {"{a:1}", 1}, {"{\"a\":\"\t\"}", 6}, {"{\"a\":+1}", 5}, {"{\"a\":.5}", 5},
        };
        for (Object[] c : cases) {
            assertEquals(c[1], firstRefused(utf8((String) c[0])), (String) c[0]);
        }
        byte[][] badUtf8 = {
                {'{', '"', (byte) 0xC0}, {'{', '"', (byte) 0xED, (byte) 0xA0},
                {'{', '"', (byte) 0xF5}, {'{', '"', (byte) 0xE0, (byte) 0x80}, {'{', '"', (byte) 0xF4, (byte) 0x90},
                {'{', '"', (byte) 0x80}, {'{', '"', (byte) 0xE2, 'a'}};
        for (byte[] b : badUtf8) {
            assertEquals(b.length - 1, firstRefused(b), Arrays.toString(b));
        }
    }

    /** Whitespace runs, digits and nesting are bounded so that a model cannot repeat them without end. */
    @Test
    void runawayFormsAreBounded() {
        String ws = " ".repeat(JsonRecognizer.MAX_WHITESPACE);
        assertTrue(recognizes(utf8("{" + ws + "\"a\":1}")));
        assertEquals(JsonRecognizer.MAX_WHITESPACE + 1, firstRefused(utf8("{" + ws + " \"a\":1}")));
        String digits = "1".repeat(JsonRecognizer.MAX_DIGITS);
        assertTrue(recognizes(utf8("{\"a\":" + digits + "." + digits + "e-999}")));
        assertEquals(5 + JsonRecognizer.MAX_DIGITS, firstRefused(utf8("{\"a\":" + digits + "1}")));
        assertEquals(10, firstRefused(utf8("{\"a\":1e1234}")));
        String deep = "{\"a\":" + "[".repeat(JsonRecognizer.MAX_DEPTH - 1);
        assertEquals(-1, firstRefused(utf8(deep)));
        assertEquals(deep.length(), firstRefused(utf8(deep + "[")));
    }

    /**
     * 20,000 random objects and as many damaged copies (a byte replaced, deleted or inserted, or the end cut off):
     * the recognizer's verdict equals the strict parser's on every one.
     */
    @Test
    void agreesWithTheStrictParserOnRandomAndDamagedObjects() {
        SplittableRandom random = new SplittableRandom(20261127);
        int valid = 0;
        for (int i = 0; i < 20_000; i++) {
            String text = RandomJson.object(random);
            byte[] doc = utf8(text);
            assertTrue(recognizes(doc), text);
            assertTrue(parsesAsObject(doc), text);
            byte[] damaged = damage(doc, random);
            boolean expected = parsesAsObject(damaged);
            valid += expected ? 1 : 0;
            assertEquals(expected, recognizes(damaged), () -> new String(damaged, StandardCharsets.UTF_8) + " / "
                    + Arrays.toString(damaged));
        }
        assertTrue(valid > 1000 && valid < 19_000, "damaged documents still valid: " + valid);
    }

    /**
     * The reference: strict UTF-8, an object by {@link Json#parse}, nothing after its closing brace, and within the
     * recognizer's bounds (damage can join two numbers or two runs of whitespace).
     */
    private static boolean parsesAsObject(byte[] doc) {
        if (doc.length == 0 || doc[doc.length - 1] != '}') {
            return false;
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(doc)).toString();
            return Json.parse(text) instanceof Map<?, ?> && !BEYOND_BOUNDS.matcher(outsideStrings(text)).find();
        } catch (CharacterCodingException | IllegalArgumentException e) {
            return false;
        }
    }

    private static final Pattern BEYOND_BOUNDS = Pattern.compile("[0-9]{" + (JsonRecognizer.MAX_DIGITS + 1)
            + "}|[eE][+-]?[0-9]{" + (JsonRecognizer.MAX_EXPONENT_DIGITS + 1) + "}|[ \t\n\r]{"
            + (JsonRecognizer.MAX_WHITESPACE + 1) + "}");

    /** The text with every string's content taken out (its quotes kept), so digits in strings are not counted. */
    private static String outsideStrings(String text) {
        StringBuilder out = new StringBuilder();
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!inString) {
                out.append(c);
                inString = c == '"';
            } else if (c == '\\') {
                i++;
            } else if (c == '"') {
                out.append(c);
                inString = false;
            }
        }
        return out.toString();
    }

    private static final byte[] DAMAGE = utf8("{}[]\":,\\ \t\n0123456789.eE+-tfnulxa/");

    private static byte[] damage(byte[] doc, SplittableRandom random) {
        int at = random.nextInt(doc.length);
        byte b = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : DAMAGE[random.nextInt(DAMAGE.length)];
        return switch (random.nextInt(4)) {
            case 0 -> {
                byte[] d = doc.clone();
                d[at] = b;
                yield d;
            }
            case 1 -> {
                byte[] d = new byte[doc.length - 1];
                System.arraycopy(doc, 0, d, 0, at);
                System.arraycopy(doc, at + 1, d, at, doc.length - at - 1);
                yield d;
            }
            case 2 -> {
                byte[] d = new byte[doc.length + 1];
                System.arraycopy(doc, 0, d, 0, at);
                d[at] = b;
                System.arraycopy(doc, at, d, at + 1, doc.length - at);
                yield d;
            }
            default -> Arrays.copyOf(doc, at);
        };
    }

    @Test
    void copiesContinueFromTheSameState() {
        JsonRecognizer a = new JsonRecognizer();
        for (byte b : utf8("{\"a\":[{\"b\":[1")) {
            assertTrue(a.accept(b));
        }
        JsonRecognizer copy = new JsonRecognizer();
        copy.copyFrom(a);
        for (byte b : utf8("]}]}")) {
            assertTrue(copy.accept(b));
        }
        assertTrue(copy.complete());
        assertFalse(a.complete());
        assertFalse(a.accept((byte) '}'), "the original is still inside the inner array");
    }
}
