package dev.smallmind.tokenizer;

/**
 * The GGUF file uses a tokenizer this engine does not implement; the message names the
 * {@code tokenizer.ggml.model} or {@code tokenizer.ggml.pre} value.
 */
public final class UnsupportedTokenizerException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param message names the unsupported model or pre-tokenizer */
    public UnsupportedTokenizerException(String message) {
        super(message);
    }
}
