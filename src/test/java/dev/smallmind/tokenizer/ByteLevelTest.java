package dev.smallmind.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ByteLevelTest {
    @Test
    void gpt2Mapping() {
        assertEquals('\u0120', ByteLevel.encode(' '));
        assertEquals('\u010A', ByteLevel.encode('\n'));
        assertEquals('\u0100', ByteLevel.encode(0));
        assertEquals('A', ByteLevel.encode('A'));
        assertEquals('\u00A1', ByteLevel.encode(0xA1));
        assertEquals('\u0143', ByteLevel.encode(0xAD));
        assertEquals('\u00FF', ByteLevel.encode(0xFF));
        for (int b = 0; b < 256; b++) {
            assertEquals(b, ByteLevel.decode(ByteLevel.encode(b)));
        }
        assertEquals(-1, ByteLevel.decode(0x144));
        assertEquals(-1, ByteLevel.decode(' '));
    }

    @Test
    void decodesTokenTextsToBytes() {
        assertArrayEquals(" world".getBytes(StandardCharsets.UTF_8), ByteLevel.decodeText("\u0120world"));
        assertArrayEquals(new byte[]{(byte) 0xC3, (byte) 0xA9}, ByteLevel.decodeText("\u00C3\u00A9"));
        assertArrayEquals("a[UNK_BYTE_0xe282aca\u20AC]".getBytes(StandardCharsets.UTF_8), ByteLevel.decodeText("a\u20AC"));
    }
}
