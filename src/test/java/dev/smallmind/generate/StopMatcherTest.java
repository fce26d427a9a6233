package dev.smallmind.generate;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StopMatcherTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void findsEarliestCompleteStopString() {
        StopMatcher m = new StopMatcher(List.of("END", "\n\n"));
        byte[] t = b("hello\n\nworld END");
        assertEquals(5, m.find(t, t.length, 0));
        assertEquals(-1, m.find(b("hello"), 5, 0));
    }

    @Test
    void holdsBackPossiblePrefixes() {
        StopMatcher m = new StopMatcher(List.of("STOP"));
        byte[] t = b("abcST");
        assertEquals(3, m.safeLength(t, t.length), "ST may begin STOP");
        byte[] u = b("abcSX");
        assertEquals(5, m.safeLength(u, u.length));
        assertEquals(0, m.safeLength(b("STO"), 3));
    }

    @Test
    void matchAcrossTokenBoundaryIsFoundFromCheckedPosition() {
        StopMatcher m = new StopMatcher(List.of("</s>"));
        byte[] t = b("text</s>");
        assertEquals(4, m.find(t, t.length, 6), "a stop string that started in earlier bytes is still found");
    }

    @Test
    void multiByteStopStrings() {
        StopMatcher m = new StopMatcher(List.of("é!"));
        byte[] t = b("café!");
        assertEquals(3, m.find(t, t.length, 0));
    }
}
