package dev.smallmind.profile;

/** Which direction of change of a figure is an improvement; comparisons flag regressions only for directed ones. */
public enum Better {
    /** Throughputs: more is better. */
    HIGHER,
    /** Latencies, memory per token: less is better. */
    LOWER,
    /** Descriptive figures (sizes, shares) that are neither good nor bad. */
    NONE
}
