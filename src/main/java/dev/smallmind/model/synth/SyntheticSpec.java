package dev.smallmind.model.synth;

import dev.smallmind.model.Architecture;
import dev.smallmind.tensor.DType;

import java.util.Locale;

/**
 * The shape and storage of a synthetic model: random weights (normal, std 0.02; norm weights 1.0) in a real
 * architecture's layout, for benchmarks, tests and fuzzing.
 *
 * @param architecture family whose tensors are written
 * @param dim          embedding width
 * @param layers       blocks
 * @param heads        query heads
 * @param kvHeads      key/value heads
 * @param ffn          feed-forward width
 * @param context      training context
 * @param ropeBase     RoPE frequency base (ignored by architectures without RoPE)
 * @param type         type of every matrix except the token embedding
 * @param embedType    type of the token embedding (F32 in the benchmark presets, as llama.cpp's reference files)
 * @param seed         random seed, not negative (as numpy's); the same spec and seed give the same file
 */
public record SyntheticSpec(Architecture architecture, int dim, int layers, int heads, int kvHeads, int ffn,
                            int context, float ropeBase, DType type, DType embedType, long seed) {
    /** RoPE base of the presets and of the reference writer's default. */
    public static final float DEFAULT_ROPE_BASE = 10000f;

    /**
     * @throws IllegalArgumentException for a size that is not positive, heads that do not divide the width or whose
     *                                  count the key/value heads do not divide, an odd head width (RoPE rotates
     *                                  pairs), a RoPE base that is not a positive number, or a negative seed
     */
    public SyntheticSpec {
        positive("dim", dim);
        positive("layers", layers);
        positive("heads", heads);
        positive("kv-heads", kvHeads);
        positive("ffn", ffn);
        positive("ctx", context);
        if (dim % heads != 0 || (dim / heads) % 2 != 0) {
            throw new IllegalArgumentException("dim " + dim + " must be " + heads + " heads of an even width");
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " heads cannot share " + kvHeads + " key/value heads");
        }
        if (!(ropeBase > 0) || Float.isInfinite(ropeBase)) {
            throw new IllegalArgumentException("the RoPE base must be a positive number, got " + ropeBase);
        }
        if (seed < 0) {
            throw new IllegalArgumentException("the seed must not be negative, got " + seed);
        }
    }

    /**
     * A benchmark preset (llama architecture, F32 token embedding).
     *
     * @param preset small (stories15M shape), medium (SmolLM2-135M shape) or large (Llama-3.2-1B shape)
     * @param type   matrix type
     * @param seed   random seed
     * @return the spec
     */
    public static SyntheticSpec preset(String preset, DType type, long seed) {
        return switch (preset.toLowerCase(Locale.ROOT)) {
            case "small" -> new SyntheticSpec(Architecture.LLAMA, 288, 6, 6, 6, 768, 256, DEFAULT_ROPE_BASE, type,
                    DType.F32, seed);
            case "medium" -> new SyntheticSpec(Architecture.LLAMA, 576, 30, 9, 3, 1536, 2048, DEFAULT_ROPE_BASE, type,
                    DType.F32, seed);
            case "large" -> new SyntheticSpec(Architecture.LLAMA, 2048, 16, 32, 8, 8192, 2048, DEFAULT_ROPE_BASE,
                    type, DType.F32, seed);
            default -> throw new IllegalArgumentException("unknown preset '" + preset
                    + "' (choose small, medium or large)");
        };
    }

    private static void positive(String what, int n) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + n);
        }
    }

    /** @return width of one head */
    public int headDim() {
        return dim / heads;
    }
}
