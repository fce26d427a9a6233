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
