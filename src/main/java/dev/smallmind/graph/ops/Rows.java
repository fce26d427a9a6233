package dev.smallmind.graph.ops;

/**
 * Which activation rows of a step a node processes: all tokens of the step, or only the last one (the logits
 * of a generation step need only the last token's row).
 */
public enum Rows {
    /** Every token of the step. */
    ALL,
    /** Only the step's last token; a projection writes its result as output row 0. */
    LAST
}
