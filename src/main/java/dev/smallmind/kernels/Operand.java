package dev.smallmind.kernels;

/**
 * The operands a kernel names when a call is wrong ({@link Operands}, {@link KernelText}). An enum rather than String
 * literals at the call sites: a class that runs in every step holds no String constant, since HotSpot resolves, and
 * so allocates, all of a class's String constants on the thread that first asks C2 to compile one of its methods,
 * which for a kernel first compiled in a long prompt's step is that step (docs/architecture.md, "Zero allocation and
 * the JIT: String constants").
 */
enum Operand {
    HEAD_DIMENSION("head dimension"),
    ATTENTION_LENGTH("attention length"),
    ROW_LENGTH("row length"),
    ARGMAX_LENGTH("argmax length"),
    Q("q"),
    Q_LAST_ROW("q[rows - 1]"),
    K_FIRST("K[0]"),
    K_LAST("K[len - 1]"),
    V_FIRST("V[0]"),
    V_LAST("V[len - 1]"),
    V_FROM("V[from]"),
    V_TO_LAST("V[to - 1]"),
    KEY("key"),
    KEY_BLOCK("key block"),
    KEY_BLOCKS("key blocks"),
    VALUE("value"),
    VALUES("values"),
    VALUE_ROW("value row"),
    SCORES("scores"),
    OUT("out"),
    OUT_LAST_ROW("out[rows - 1]"),
    PART("part"),
    PARTS("parts"),
    X("x"),
    WEIGHT("weight"),
    BIAS("bias"),
    A("a"),
    B("b"),
    GATE("gate"),
    UP("up");

    private final String label;

    Operand(String label) {
        this.label = label;
    }

    /** @return the operand as messages name it, e.g. {@code K[len - 1]} */
    @Override
    public String toString() {
        return label;
    }
}
