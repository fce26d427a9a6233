package dev.smallmind.generate;

/**
 * Receives a generation as it happens. Called on the generating thread; must not block for long. The byte array
 * is borrowed: copy what you keep before returning.
 */
public interface TokenSink {
    /** A sink that ignores everything. */
    TokenSink NONE = (bytes, offset, length) -> { };

    /**
     * Bytes of generated text that are final: they can no longer turn out to be part of a stop string. A
     * multi-byte UTF-8 character may be split across two calls.
     *
     * @param bytes  buffer holding the text
     * @param offset first new byte
     * @param length number of new bytes
     */
    void text(byte[] bytes, int offset, int length);

    /**
     * Each generated token id, before its text is released.
     *
     * @param token the token id
     */
    default void token(int token) {
    }
}
