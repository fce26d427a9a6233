package dev.smallmind.generate;

/**
 * The text of {@link Session}, its memory's names and its failure messages, kept out of its class: a session
 * evaluates every step, and HotSpot resolves, and so allocates, every String constant of a class on the thread that
 * first asks C2 to compile one of its methods, which can be a decode step long after the warm-up
 * (docs/architecture.md, "Zero allocation and the JIT: String constants").
 */
final class SessionText {
    private SessionText() {
    }

    static String region() {
        return "session";
    }

    static String stepArena() {
        return "step arena";
    }

    static String scoringArena() {
        return "scoring arena";
    }

    static IllegalArgumentException contextBeyondLearnedPositions(int ctx, int learned, String model) {
        return new IllegalArgumentException("context length " + ctx + " exceeds the " + learned
                + " learned positions of " + model);
    }

    static IllegalArgumentException nothingToEvaluate() {
        return new IllegalArgumentException("nothing to evaluate");
    }

    static IllegalArgumentException outsideContext(int at, int contextLength) {
        return new IllegalArgumentException("position " + at + " outside the context of " + contextLength);
    }

    static IllegalArgumentException emptyPrompt() {
        return new IllegalArgumentException("the prompt has no tokens");
    }
}
