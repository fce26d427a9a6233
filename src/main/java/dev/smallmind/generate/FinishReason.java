package dev.smallmind.generate;

import java.util.Locale;

/** Why a generation ended. */
public enum FinishReason {
    /** The model produced an end-of-generation token. */
    EOS,
    /** The text reached one of the stop strings (not included in the result's text). */
    STOP,
    /** The requested number of tokens was generated. */
    LENGTH,
    /** The session's context is full. */
    CONTEXT_FULL,
    /** {@link Session#cancel()} was called. */
    CANCELLED,
    /** The text is a whole value of the requested {@link OutputFormat} (a JSON object closed). */
    FORMAT_COMPLETE;

    /** @return lower-case name, as in JSON output */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
