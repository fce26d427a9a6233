package dev.smallmind.server;

import dev.smallmind.json.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The streamed text's escaping: inside a JSON string literal, any bytes read back as what Java's UTF-8 decoder makes
 * of them (malformed bytes as U+FFFD, one per maximal ill-formed subpart).
 */
class JsonTextBufferTest {
    private static String roundTrip(byte[] bytes) {
        JsonTextBuffer b = new JsonTextBuffer(16);
        b.appendRaw("\"".getBytes(StandardCharsets.US_ASCII));
        b.appendEscaped(bytes, 0, bytes.length);
        b.appendRaw("\"".getBytes(StandardCharsets.US_ASCII));
        return (String) Json.parse(new String(b.array(), 0, b.length(), StandardCharsets.UTF_8));
    }

    @Test
    void quotesBackslashesAndControlCharactersAreEscaped() {
        String text = "say \"hi\"\\ \n\r\t\u0000\u0001\u001f end \u00e9\u4e2d\ud83d\ude00";
        assertEquals(text, roundTrip(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void malformedBytesReadAsJavasDecoderReadsThem() {
        byte[][] cases = {
                {(byte) 0xE2, (byte) 0x82, 'A'}, {(byte) 0xE0, (byte) 0x80, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0,
                (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xC0, (byte) 0xAF},
                {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}, {(byte) 0x80}, {(byte) 0xFF, 'x'}};
        for (byte[] c : cases) {
            assertEquals(new String(c, StandardCharsets.UTF_8), roundTrip(c));
        }
    }

    @Test
    void randomBytesReadAsJavasDecoderReadsThem() {
        SplittableRandom random = new SplittableRandom(7);
        for (int n = 0; n < 20_000; n++) {
            byte[] bytes = new byte[random.nextInt(12)];
            for (int i = 0; i < bytes.length; i++) {
                int pick = random.nextInt(4);
                bytes[i] = (byte) (pick == 0 ? random.nextInt(0x80) : pick == 1 ? 0x80 + random.nextInt(0x40)
                        : random.nextInt(256));
            }
            assertEquals(new String(bytes, StandardCharsets.UTF_8), roundTrip(bytes), java.util.Arrays.toString(bytes));
        }
    }
}
