package dev.smallmind.tokenizer;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class Utf8AssemblerTest {
    private static final String TEXT = "a\u00E9\u20AC\uD83D\uDE00z\u65E5";

    @Test
    void byteByByteReleasesOnlyWholeCharacters() {
        byte[] bytes = TEXT.getBytes(StandardCharsets.UTF_8);
        Utf8Assembler asm = new Utf8Assembler(4);
        StringBuilder out = new StringBuilder();
        int[] pendingAfter = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            asm.append(bytes, i, 1);
            out.append(asm.takeText());
            pendingAfter[i] = asm.length();
        }
        assertEquals(TEXT, out.toString());
        // a | C3 A9 | E2 82 AC | F0 9F 98 80 | z | E6 97 A5
        assertEquals("[0, 1, 0, 1, 2, 0, 1, 2, 3, 0, 0, 1, 2, 0]", java.util.Arrays.toString(pendingAfter));
    }

    @Test
    void everySplitIntoTwoPiecesReassemblesTheText() {
        byte[] bytes = TEXT.getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= bytes.length; cut++) {
            Utf8Assembler asm = new Utf8Assembler();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            asm.append(bytes, 0, cut);
            int n = asm.completeLength();
            out.write(asm.buffer(), 0, n);
            asm.consume(n);
            asm.append(bytes, cut, bytes.length - cut);
            n = asm.completeLength();
            out.write(asm.buffer(), 0, n);
            asm.consume(n);
            assertEquals(0, asm.length(), "cut at " + cut);
            assertEquals(TEXT, out.toString(StandardCharsets.UTF_8), "cut at " + cut);
        }
    }

    @Test
    void malformedBytesAreReleasedImmediately() {
        assertEquals(1, prefix(0xFF));
        assertEquals(1, prefix(0x80));
        assertEquals(1, prefix(0xC0));
        assertEquals(2, prefix(0xE0, 0x80));
        assertEquals(2, prefix(0xED, 0xA0));
        assertEquals(2, prefix(0xF4, 0x90));
        assertEquals(3, prefix(0xC3, 0xA9, 0x80));
    }

    @Test
    void incompleteButValidTailsAreHeldBack() {
        assertEquals(0, prefix(0xC3));
        assertEquals(0, prefix(0xE2, 0x82));
        assertEquals(0, prefix(0xF0, 0x9F));
        assertEquals(0, prefix(0xF0, 0x9F, 0x98));
        assertEquals(1, prefix('x', 0xED, 0x9F));
        assertEquals(2, prefix('x', 'y', 0xF4, 0x8F, 0xBF));
    }

    @Test
    void consumingMoreThanBufferedIsRejected() {
        Utf8Assembler asm = new Utf8Assembler();
        asm.append(new byte[]{'a'});
        assertThrows(IllegalArgumentException.class, () -> asm.consume(2));
        asm.clear();
        assertEquals(0, asm.length());
    }

    private static int prefix(int... values) {
        byte[] bytes = new byte[values.length + 2];
        for (int i = 0; i < values.length; i++) {
            bytes[i + 1] = (byte) values[i];
        }
        return Utf8Assembler.completePrefix(bytes, 1, values.length);
    }
}
