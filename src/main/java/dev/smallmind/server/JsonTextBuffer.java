package dev.smallmind.server;

import dev.smallmind.tokenizer.Utf8Assembler;

import java.util.Arrays;

/**
 * A growable byte buffer for writing JSON as UTF-8 without building Strings: raw bytes appended as they are, and
 * UTF-8 text appended as the inside of a JSON string literal. The server streams each generated piece of text this
 * way, so a token costs no allocation once the buffer has grown to the largest chunk. Not thread-safe.
 */
final class JsonTextBuffer {
    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    /** U+FFFD in UTF-8: what a strict decoder shows for bytes that are not UTF-8. */
    private static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};
    private byte[] buffer;
    private int length;

    JsonTextBuffer(int initialCapacity) {
        buffer = new byte[Math.max(16, initialCapacity)];
    }

    /** @return the bytes written; valid up to {@link #length()} */
    byte[] array() {
        return buffer;
    }

    /** @return the number of bytes written */
    int length() {
        return length;
    }

    /** Empties the buffer, keeping its capacity. */
    void clear() {
        length = 0;
    }

    /** Appends bytes that are JSON already. */
    void appendRaw(byte[] bytes) {
        append(bytes, 0, bytes.length);
    }

    /**
     * Appends UTF-8 text escaped for the inside of a JSON string ({@code "}, {@code \} and control characters). Bytes
     * that are not UTF-8 become U+FFFD as Java's decoder replaces them, so the output is always valid UTF-8 and says
     * what {@code new String(bytes, UTF_8)} would.
     */
    void appendEscaped(byte[] bytes, int offset, int count) {
        int end = offset + count;
        int i = offset;
        while (i < end) {
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                appendAscii(b);
                i++;
            } else {
                int n = Utf8Assembler.characterLength(bytes, i, end);
                if (n < 0) {
                    append(REPLACEMENT, 0, REPLACEMENT.length);
                    i -= n;
                } else {
                    append(bytes, i, n);
                    i += n;
                }
            }
        }
    }

    private void appendAscii(int b) {
        ensure(6);
        if (b == '"' || b == '\\') {
            buffer[length++] = '\\';
            buffer[length++] = (byte) b;
        } else if (b >= 0x20) {
            buffer[length++] = (byte) b;
        } else if (b == '\n') {
            buffer[length++] = '\\';
            buffer[length++] = 'n';
        } else if (b == '\r') {
            buffer[length++] = '\\';
            buffer[length++] = 'r';
        } else if (b == '\t') {
            buffer[length++] = '\\';
            buffer[length++] = 't';
        } else {
            buffer[length++] = '\\';
            buffer[length++] = 'u';
            buffer[length++] = '0';
            buffer[length++] = '0';
            buffer[length++] = HEX[b >> 4];
            buffer[length++] = HEX[b & 0xF];
        }
    }

    private void append(byte[] bytes, int offset, int count) {
        ensure(count);
        System.arraycopy(bytes, offset, buffer, length, count);
        length += count;
    }

    private void ensure(int more) {
        if (length + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
        }
    }
}
