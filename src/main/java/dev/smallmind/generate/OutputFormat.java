package dev.smallmind.generate;

/** What shape a generation's text must take. */
public enum OutputFormat {
    /** Any text. */
    TEXT,
    /**
     * One JSON object (RFC 8259): sampling only picks tokens that keep the text a valid beginning of one, and the
     * generation ends when it is closed ({@link FinishReason#FORMAT_COMPLETE}); it may also end earlier, for a token
     * limit, a stop string or a full context, with the object unfinished. As OpenAI's and llama.cpp's
     * {@code "response_format": {"type": "json_object"}}.
     */
    JSON
}
