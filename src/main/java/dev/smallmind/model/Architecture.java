package dev.smallmind.model;

import java.util.Locale;

/**
 * The transformer families SmallMind runs, named by {@code general.architecture}, with the traits that shape
 * their forward pass.
 */
public enum Architecture {
    /** Llama 1/2/3, TinyLlama, SmolLM, the llama2.c stories models; also Mistral files tagged {@code llama}. */
    LLAMA("llama", Norm.RMS, Rope.NORMAL, Feed.SWIGLU, false, false),
    /** Mistral files tagged {@code mistral}: the Llama graph. */
    MISTRAL("mistral", Norm.RMS, Rope.NORMAL, Feed.SWIGLU, false, false),
    /** Qwen2 / Qwen2.5: Llama graph with q/k/v biases and NeoX RoPE pairing. */
    QWEN2("qwen2", Norm.RMS, Rope.NEOX, Feed.SWIGLU, true, false),
    /** Phi-3: fused qkv and fused gate/up projections, NeoX RoPE pairing. */
    PHI3("phi3", Norm.RMS, Rope.NEOX, Feed.SWIGLU, false, true),
    /** GPT-2: LayerNorm, learned positions, GELU, biases everywhere, fused qkv. */
    GPT2("gpt2", Norm.LAYER, Rope.NONE, Feed.GELU, true, true);

    /** Normalization layer kind. */
    public enum Norm {
        /** x / rms(x) * w */
        RMS,
        /** (x - mean) / std * w + b */
        LAYER
    }

    /** Position encoding. */
    public enum Rope {
        /** Rotary, adjacent pairs (2i, 2i+1). */
        NORMAL,
        /** Rotary, pairs (i, i + d/2). */
        NEOX,
        /** No rotary embedding: learned absolute positions. */
        NONE
    }

    /** Feed-forward block. */
    public enum Feed {
        /** down(silu(gate(x)) * up(x)) */
        SWIGLU,
        /** down(gelu(up(x))) */
        GELU
    }

    private final String ggufName;
    private final Norm norm;
    private final Rope rope;
    private final Feed feed;
    private final boolean biases;
    private final boolean fusedQkv;

    Architecture(String ggufName, Norm norm, Rope rope, Feed feed, boolean biases, boolean fusedQkv) {
        this.ggufName = ggufName;
        this.norm = norm;
        this.rope = rope;
        this.feed = feed;
        this.biases = biases;
        this.fusedQkv = fusedQkv;
    }

    /**
     * @param name value of {@code general.architecture}
     * @return the architecture
     * @throws ModelLoadException when it is not supported, listing the supported ones
     */
    public static Architecture fromGguf(String name) {
        for (Architecture a : values()) {
            if (a.ggufName.equals(name.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        StringBuilder known = new StringBuilder();
        for (Architecture a : values()) {
            known.append(known.isEmpty() ? "" : ", ").append(a.ggufName);
        }
        throw new ModelLoadException("unsupported architecture '" + name + "' (supported: " + known + ")");
    }

    /** @return the {@code general.architecture} value and metadata key prefix */
    public String ggufName() {
        return ggufName;
    }

    /** @return the normalization kind */
    public Norm norm() {
        return norm;
    }

    /** @return the position encoding */
    public Rope rope() {
        return rope;
    }

    /** @return the feed-forward kind */
    public Feed feed() {
        return feed;
    }

    /** @return whether projections may carry bias vectors */
    public boolean biases() {
        return biases;
    }

    /** @return whether q, k and v come from one fused matrix */
    public boolean fusedQkv() {
        return fusedQkv;
    }
}
