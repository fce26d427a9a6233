package dev.smallmind.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte-to-character mapping used by byte-level BPE vocabularies: printable Latin-1 bytes map to
 * themselves, the other 68 bytes to U+0100.. in byte order, so every byte sequence becomes visible text (space is
 * {@code Ġ}).
 */
final class ByteLevel {
    private static final int[] BYTE_TO_CHAR = new int[256];
    private static final int[] CHAR_TO_BYTE = new int[324];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            int c = printable ? b : next++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** @return the character standing for byte {@code b} (0..255) */
    static char encode(int b) {
        return (char) BYTE_TO_CHAR[b & 0xFF];
    }

    /** @return the byte a character stands for, or -1 when the character is not part of the mapping */
    static int decode(int cp) {
        return cp >= 0 && cp < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cp] : -1;
    }

    /**
     * Decodes a byte-level token text to its bytes as llama.cpp's {@code llama_decode_text} does, including its odd
     * rendering of a character outside the mapping: {@code [UNK_BYTE_0x}, the hex of that character's UTF-8, the
     * whole token text, {@code ]}.
     */
    static byte[] decodeText(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            int b = decode(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                StringBuilder sb = new StringBuilder("[UNK_BYTE_0x");
                for (byte u : Character.toString(cp).getBytes(StandardCharsets.UTF_8)) {
                    sb.append(String.format("%02x", u & 0xFF));
                }
                sb.append(text).append(']');
                out.writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}
