package dev.smallmind.model;

import dev.smallmind.model.gguf.GgufFile;

/**
 * Hyper-parameters of a model, read from GGUF metadata keys {@code <arch>.*}.
 *
 * @param architecture  the family
 * @param name          {@code general.name}, or the file name
 * @param vocabSize     tokens in the vocabulary (rows of the embedding)
 * @param contextLength training context ({@code <arch>.context_length})
 * @param dim           embedding width ({@code <arch>.embedding_length})
 * @param layers        transformer blocks ({@code <arch>.block_count})
 * @param ffnDim        feed-forward width ({@code <arch>.feed_forward_length})
 * @param heads         query heads
 * @param kvHeads       key/value heads (GQA when fewer than heads, MQA when 1)
 * @param headDim       width of one head
 * @param ropeDim       leading dims of each head that RoPE rotates
 * @param ropeBase      RoPE frequency base
 * @param normEps       epsilon of RMSNorm or LayerNorm
 */
public record ModelConfig(Architecture architecture, String name, int vocabSize, int contextLength, int dim,
                          int layers, int ffnDim, int heads, int kvHeads, int headDim, int ropeDim,
                          float ropeBase, float normEps) {

    /** Largest dimension accepted from a header; beyond it a value is a corrupt or hostile file. */
    private static final long MAX_DIM = 1 << 20;

    /** @return width of all query heads together */
    public int qDim() {
        return heads * headDim;
    }

    /** @return width of all key (or value) heads together */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /**
     * @param gguf      an opened model file
     * @param vocabSize rows of the token embedding (known from the tensor)
     * @return its configuration
     * @throws ModelLoadException naming the key when one is missing or out of range
     */
    public static ModelConfig fromGguf(GgufFile gguf, int vocabSize) {
        Architecture arch = Architecture.fromGguf(gguf.string("general.architecture"));
        String p = arch.ggufName() + ".";
        String file = gguf.path().getFileName().toString();
        int dim = positive(gguf, p + "embedding_length", -1);
        int layers = positive(gguf, p + "block_count", -1);
        int ffn = positive(gguf, p + "feed_forward_length", -1);
        int heads = positive(gguf, p + "attention.head_count", -1);
        int kvHeads = positive(gguf, p + "attention.head_count_kv", heads);
        int ctx = positive(gguf, p + "context_length", 2048);
        if (dim % heads != 0 && !gguf.has(p + "attention.key_length")) {
            throw new ModelLoadException(file + ": embedding_length " + dim + " is not a multiple of head_count "
                    + heads);
        }
        int headDim = positive(gguf, p + "attention.key_length", dim / heads);
        if (heads % kvHeads != 0) {
            throw new ModelLoadException(file + ": head_count " + heads + " is not a multiple of head_count_kv "
                    + kvHeads);
        }
        int ropeDim = arch.rope() == Architecture.Rope.NONE ? 0
                : positive(gguf, p + "rope.dimension_count", headDim);
        if (ropeDim > headDim || ropeDim % 2 != 0) {
            throw new ModelLoadException(file + ": rope.dimension_count " + ropeDim
                    + " must be even and at most the head width " + headDim);
        }
        float base = (float) gguf.number(p + "rope.freq_base", 10000.0);
        String epsKey = arch.norm() == Architecture.Norm.RMS ? "attention.layer_norm_rms_epsilon"
                : "attention.layer_norm_epsilon";
        float eps = (float) gguf.number(p + epsKey, 1e-5);
        String name = gguf.string("general.name", file);
        return new ModelConfig(arch, name, vocabSize, ctx, dim, layers, ffn, heads, kvHeads, headDim, ropeDim,
                base, eps);
    }

    private static int positive(GgufFile gguf, String key, int fallback) {
        if (!gguf.has(key)) {
            if (fallback < 0) {
                throw new ModelLoadException(gguf.path().getFileName() + ": missing metadata key '" + key + "'");
            }
            return fallback;
        }
        long v = gguf.integer(key);
        if (v < 1 || v > MAX_DIM) {
            throw new ModelLoadException(gguf.path().getFileName() + ": metadata '" + key + "' = " + v
                    + " is out of range [1, " + MAX_DIM + "]");
        }
        return (int) v;
    }
}
