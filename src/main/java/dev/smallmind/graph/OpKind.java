package dev.smallmind.graph;

/** Categories of graph nodes, for plans and the per-op time profile. */
public enum OpKind {
    /** Token embedding row lookup (with dequantization). */
    EMBED,
    /** RMSNorm or LayerNorm. */
    NORM,
    /** Weight matrix times activations. */
    MATMUL,
    /** Rotary position embedding. */
    ROPE,
    /** Writing keys and values into the KV cache. */
    KV_STORE,
    /** Scaled dot-product attention over the cache. */
    ATTENTION,
    /** Element-wise arithmetic: residual adds, biases, gated activations. */
    ELEMENTWISE
}
