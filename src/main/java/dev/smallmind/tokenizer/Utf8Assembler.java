package dev.smallmind.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reassembles UTF-8 text streamed as token pieces, where one character may be split across tokens (byte-fallback
 * tokens, byte-level BPE). Append each piece's bytes, then take the first {@link #completeLength()} bytes: they end
 * on a character boundary, and only the last few bytes of a character that can still be completed stay buffered.
 * Malformed bytes are released at once (a decoder renders them as U+FFFD); they never hold the stream back.
 * <p>
 * Allocation-free after the buffer has grown to the largest pending size. Not thread-safe.
 */
public final class Utf8Assembler {
    private byte[] buffer;
    private int length;

    /** Creates an assembler with a 64-byte buffer that grows as needed. */
    public Utf8Assembler() {
        this(64);
    }

    /** @param initialCapacity initial buffer size in bytes (at least 4) */
    public Utf8Assembler(int initialCapacity) {
        buffer = new byte[Math.max(4, initialCapacity)];
    }

    /** Appends a whole piece, e.g. {@link Tokenizer#tokenBytes}. */
    public void append(byte[] bytes) {
        append(bytes, 0, bytes.length);
    }

    /**
     * @param bytes  source
     * @param offset first byte to append
     * @param count  number of bytes
     */
    public void append(byte[] bytes, int offset, int count) {
        if (length + count > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + count));
        }
        System.arraycopy(bytes, offset, buffer, length, count);
        length += count;
    }

    /** @return the buffered bytes; valid up to {@link #length()}, borrowed until the next call that changes them */
    public byte[] buffer() {
        return buffer;
    }

    /** @return the number of buffered bytes */
    public int length() {
        return length;
    }

    /** @return how many leading buffered bytes are ready: whole characters, or malformed bytes */
    public int completeLength() {
        return completePrefix(buffer, 0, length);
    }

    /**
     * Removes the first {@code count} buffered bytes (those the caller has written out); the rest moves to the front.
     *
     * @param count at most {@link #length()}
     */
    public void consume(int count) {
        if (count < 0 || count > length) {
            throw new IllegalArgumentException("cannot consume " + count + " of " + length + " buffered bytes");
        }
        System.arraycopy(buffer, count, buffer, 0, length - count);
        length -= count;
    }

    /** @return the complete characters as a string, removed from the buffer (allocates; for non-streaming callers) */
    public String takeText() {
        int n = completeLength();
        String text = new String(buffer, 0, n, StandardCharsets.UTF_8);
        consume(n);
        return text;
    }

    /** Drops everything buffered. */
    public void clear() {
        length = 0;
    }

    /**
     * @param bytes  a byte sequence
     * @param offset its start
     * @param count  its length
     * @return the length of its longest prefix that does not end inside a character which later bytes could still
     * complete: everything except a trailing, so far valid, incomplete sequence (at most 3 bytes)
     */
    public static int completePrefix(byte[] bytes, int offset, int count) {
        int end = offset + count;
        int lead = end - 1;
        while (lead >= offset && lead > end - 4 && (bytes[lead] & 0xC0) == 0x80) {
            lead--;
        }
        if (lead < offset) {
            return count;
        }
        int b = bytes[lead] & 0xFF;
        int need = sequenceLength(b);
        int have = end - lead;
        if (need == 0 || have >= need) {
            return count;
        }
        if (have >= 2 && !validSecond(b, bytes[lead + 1] & 0xFF)) {
            return count;
        }
        return lead - offset;
    }

    /**
     * Reads one character at a byte of UTF-8 text that is not ASCII, exactly as {@code new String(bytes, UTF_8)}
     * does, so that text written out piece by piece reads the same as the whole decoded at once.
     *
     * @param bytes a byte sequence
     * @param i     position of a byte of it at or above 0x80
     * @param end   end of the sequence
     * @return {@code n} (2 to 4) when a well-formed character of {@code n} bytes starts at {@code i}; otherwise
     *         {@code -k}: the {@code k >= 1} bytes at {@code i} that Java's decoder turns into one U+FFFD (at most
     *         the ill-formed start of a character; a cut-off character at the end takes the rest)
     */
    public static int characterLength(byte[] bytes, int i, int end) {
        int b1 = bytes[i] & 0xFF;
        int left = end - i;
        if (b1 >= 0xC2 && b1 <= 0xDF) {
            return left >= 2 && continuation(bytes[i + 1]) ? 2 : -1;
        }
        if (b1 >= 0xE0 && b1 <= 0xEF) {
            if (left >= 3) {
                int b2 = bytes[i + 1] & 0xFF;
                if (b1 == 0xE0 && b2 < 0xA0 || !continuation(bytes[i + 1])) {
                    return -1;
                }
                if (!continuation(bytes[i + 2])) {
                    return -2;
                }
                return b1 == 0xED && b2 >= 0xA0 ? -3 : 3;
            }
            if (left == 2 && (b1 == 0xE0 && (bytes[i + 1] & 0xFF) < 0xA0 || !continuation(bytes[i + 1]))) {
                return -1;
            }
            return -left;
        }
        if (b1 >= 0xF0 && b1 <= 0xF7) {
            boolean badSecond = left >= 2 && (b1 == 0xF0 && (bytes[i + 1] & 0xFF) < 0x90
                    || b1 == 0xF4 && (bytes[i + 1] & 0xFF) > 0x8F || !continuation(bytes[i + 1]));
            if (left >= 4) {
                if (b1 > 0xF4 || badSecond) {
                    return -1;
                }
                if (!continuation(bytes[i + 2])) {
                    return -2;
                }
                return continuation(bytes[i + 3]) ? 4 : -3;
            }
            if (b1 > 0xF4 || badSecond || left == 1) {
                return -1;
            }
            return left == 3 && !continuation(bytes[i + 2]) ? -2 : -left;
        }
        return -1;
    }

    private static boolean continuation(byte b) {
        return (b & 0xC0) == 0x80;
    }

    /** @return the bytes of the character a lead byte starts (2 to 4), or 0 for a byte that cannot lead one */
    private static int sequenceLength(int lead) {
        return lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3 : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
    }

    /** @return whether {@code second} may follow {@code lead}: the ranges that rule out overlong forms and surrogates */
    private static boolean validSecond(int lead, int second) {
        int low = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
        int high = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
        return second >= low && second <= high;
    }
}
