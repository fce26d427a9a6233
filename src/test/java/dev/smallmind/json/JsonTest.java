package dev.smallmind.json;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {
    @Test
    void parsesAllValueKinds() {
        Object v = Json.parse("{\"a\": [1, -2.5e1, true, false, null, \"x\\u00e9\\n\"], \"b\": {}}");
        Map<?, ?> m = (Map<?, ?>) v;
        List<?> a = (List<?>) m.get("a");
        assertEquals(1L, a.get(0));
        assertEquals(-25.0, a.get(1));
        assertEquals(true, a.get(2));
        assertEquals(null, a.get(4));
        assertEquals("xé\n", a.get(5));
        assertTrue(((Map<?, ?>) m.get("b")).isEmpty());
    }

    @Test
    void errorsNameTheOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("[1, 2,"));
        assertTrue(e.getMessage().contains("offset"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\" 1}"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1] x"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[".repeat(10_000)));
    }

    /** Numbers and escapes as RFC 8259 writes them: what Java's own number parsers also take is refused. */
    @Test
    void numbersAndEscapesAreStrict() {
        for (String bad : List.of("01", "-", "1.", ".5", "+1", "1e", "1e+", "0x10", "1.e3", "--1", "\"\\u+123\"",
                "\"\\u-001\"", "\"\\u12g4\"")) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
        assertEquals(0L, Json.parse("0"));
        assertEquals(-0.0, Json.parse("-0.0"));
        assertEquals(1500.0, Json.parse("1.5E+3"));
        assertEquals(12L, Json.parse("12"));
        assertEquals("\u12ab", Json.parse("\"\\u12aB\""));
    }

    @Test
    void writerRoundTrips() {
        String doc = JsonWriter.create().beginObject().field("s", "q\"\\\n\u0001").field("n", 3).field("d", 0.5)
                .field("b", true).name("arr").beginArray().value(1).beginArray().value(2).endArray().endArray()
                .field("nan", Double.NaN).endObject().toString();
        Map<?, ?> m = (Map<?, ?>) Json.parse(doc);
        assertEquals("q\"\\\n\u0001", m.get("s"));
        assertEquals(3L, m.get("n"));
        assertEquals(0.5, m.get("d"));
        assertEquals(List.of(1L, List.of(2L)), m.get("arr"));
        assertEquals(null, m.get("nan"));
    }
}
