package dev.smallmind.kernels;

/** Which dimensions of a head RoPE rotates together (ggml's rope modes 0 and 2). */
public enum RopePairing {
    /** Adjacent pairs (2i, 2i+1): ggml {@code GGML_ROPE_TYPE_NORMAL}, used by Llama and Mistral GGUFs. */
    NORMAL,
    /** Halves (i, i + ropeDim/2): ggml {@code GGML_ROPE_TYPE_NEOX}, used by Qwen2, Phi-2/3 and GPT-NeoX. */
    NEOX
}
