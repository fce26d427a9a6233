package dev.smallmind.generate;

/** A request does not fit in the session's context: names the tokens needed and the positions available. */
public final class ContextFullException extends IllegalArgumentException {
    /**
     * @param needed    positions the request needs
     * @param available positions the session has left
     * @param context   the session's context length
     */
    public ContextFullException(int needed, int available, int context) {
        super("the input needs " + needed + " positions but the context has " + available + " of " + context
                + " left (use a larger context, e.g. --ctx, or a shorter prompt)");
    }
}
