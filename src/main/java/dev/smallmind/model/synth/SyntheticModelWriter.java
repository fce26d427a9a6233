package dev.smallmind.model.synth;

import dev.smallmind.model.Architecture;
import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.model.gguf.GgufValue;
import dev.smallmind.model.gguf.GgufWriter;
import dev.smallmind.tensor.DType;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes a synthetic model as a GGUF file that llama.cpp loads too: the architecture's metadata keys and tensor
 * names, random normal weights (std 0.02), norm weights 1.0 (norm biases 0), random biases, and a real tokenizer
 * copied from a vocabulary GGUF or the built-in byte-level one. Tensor data is generated row by row straight into
 * the output mapping.
 *
 * <p>The file follows the recipe of the reference workspace's numpy writer ({@code make_gguf.py}, described in
 * ../shared/golden/README.md) step for step: the same metadata keys in the same order, the same tensor order, and
 * each tensor's values drawn as {@code default_rng(SeedSequence([seed] + list(name.encode()))).standard_normal(n,
 * dtype=float32) * float32(0.02)} ({@link SeedSequence}, {@link Pcg64}, {@link ZigguratNormal}), then stored
 * with ggml's rounding. So a llama preset with the llama SPM vocabulary and seed 42 is, byte for byte, the model
 * file that llama.cpp's reference figures and golden data were measured on.
 */
public final class SyntheticModelWriter {
    private static final float STD = 0.02f;
    private static final int BUILTIN_VOCAB = 32000;
    private static final int QUANTIZATION_VERSION = 2;
    private static final int ALIGNMENT = 32;

    private final SyntheticSpec spec;
    private final GgufWriter w = new GgufWriter();

    private SyntheticModelWriter(SyntheticSpec spec) {
        this.spec = spec;
    }

    /**
     * @param spec  shape, types and seed
     * @param vocab vocabulary GGUF whose {@code tokenizer.*} keys are copied, or null for the built-in one
     * @param out   file to write
     * @throws IOException when a file cannot be read or written
     */
    public static void write(SyntheticSpec spec, Path vocab, Path out) throws IOException {
        new SyntheticModelWriter(spec).writeTo(vocab, out);
    }

    private void writeTo(Path vocab, Path out) throws IOException {
        Architecture arch = spec.architecture();
        String a = arch.ggufName();
        w.put("general.architecture", GgufValue.string(a));
        w.put("general.type", GgufValue.string("model"));
        w.put("general.name", GgufValue.string(name(spec)));
        w.put("general.file_type", GgufValue.uint32(fileType(spec.type())));
        w.put("general.quantization_version", GgufValue.uint32(QUANTIZATION_VERSION));
        w.put("general.alignment", GgufValue.uint32(ALIGNMENT));
        try (GgufFile v = vocab == null ? null : GgufFile.open(vocab)) {
            int vocabSize = v == null ? BUILTIN_VOCAB : v.stringArray("tokenizer.ggml.tokens").length;
            w.put(a + ".vocab_size", GgufValue.uint32(vocabSize));
            w.put(a + ".context_length", GgufValue.uint32(spec.context()));
            w.put(a + ".embedding_length", GgufValue.uint32(spec.dim()));
            w.put(a + ".block_count", GgufValue.uint32(spec.layers()));
            w.put(a + ".feed_forward_length", GgufValue.uint32(spec.ffn()));
            w.put(a + ".attention.head_count", GgufValue.uint32(spec.heads()));
            w.put(a + ".attention.head_count_kv", GgufValue.uint32(spec.kvHeads()));
            // The reference writer's key order: the RoPE base before the norm epsilon, the RoPE width after it.
            boolean rope = arch.rope() != Architecture.Rope.NONE;
            if (rope) {
                w.put(a + ".rope.freq_base", GgufValue.float32(spec.ropeBase()));
            }
            if (arch.norm() == Architecture.Norm.RMS) {
                w.put(a + ".attention.layer_norm_rms_epsilon", GgufValue.float32(1e-5f));
            } else {
                w.put(a + ".attention.layer_norm_epsilon", GgufValue.float32(1e-5f));
            }
            if (rope) {
                w.put(a + ".rope.dimension_count", GgufValue.uint32(spec.headDim()));
            }
            if (v == null) {
                BuiltinVocabulary.write(w, BUILTIN_VOCAB);
            } else {
                for (String key : v.keys()) {
                    if (key.startsWith("tokenizer.")) {
                        w.put(key, v.value(key));
                    }
                }
            }
            tensors(vocabSize);
        }
        w.write(out);
    }

    /**
     * @param spec a model's spec
     * @return its {@code general.name}, as the reference writer names it, e.g.
     *         {@code random-llama-d288-l6-h6-kv6-ffn768-f32}
     */
    public static String name(SyntheticSpec spec) {
        return "random-" + spec.architecture().ggufName() + "-d" + spec.dim() + "-l" + spec.layers() + "-h"
                + spec.heads() + "-kv" + spec.kvHeads() + "-ffn" + spec.ffn() + "-"
                + spec.type().ggmlName().toLowerCase(Locale.ROOT);
    }

    private void tensors(int vocab) {
        Architecture arch = spec.architecture();
        int dim = spec.dim();
        int q = spec.heads() * spec.headDim();
        int kv = spec.kvHeads() * spec.headDim();
        int ffn = spec.ffn();
        boolean layerNorm = arch.norm() == Architecture.Norm.LAYER;
        matrix("token_embd.weight", spec.embedType(), vocab, dim);
        if (arch.rope() == Architecture.Rope.NONE) {
            matrix("position_embd.weight", DType.F32, spec.context(), dim);
        }
        for (int l = 0; l < spec.layers(); l++) {
            String p = "blk." + l + ".";
            norm(p + "attn_norm", dim, layerNorm);
            if (arch.fusedQkv()) {
                matrix(p + "attn_qkv.weight", spec.type(), q + 2 * kv, dim);
                bias(p + "attn_qkv.bias", q + 2 * kv, arch.biases());
            } else {
                matrix(p + "attn_q.weight", spec.type(), q, dim);
                matrix(p + "attn_k.weight", spec.type(), kv, dim);
                matrix(p + "attn_v.weight", spec.type(), kv, dim);
                bias(p + "attn_q.bias", q, arch.biases());
                bias(p + "attn_k.bias", kv, arch.biases());
                bias(p + "attn_v.bias", kv, arch.biases());
            }
            matrix(p + "attn_output.weight", spec.type(), dim, q);
            bias(p + "attn_output.bias", dim, arch == Architecture.GPT2);
            norm(p + "ffn_norm", dim, layerNorm);
            if (arch.feed() == Architecture.Feed.SWIGLU && !arch.fusedQkv()) {
                matrix(p + "ffn_gate.weight", spec.type(), ffn, dim);
                matrix(p + "ffn_up.weight", spec.type(), ffn, dim);
            } else if (arch.feed() == Architecture.Feed.SWIGLU) {
                matrix(p + "ffn_up.weight", spec.type(), 2 * ffn, dim);
            } else {
                matrix(p + "ffn_up.weight", spec.type(), ffn, dim);
                bias(p + "ffn_up.bias", ffn, true);
            }
            matrix(p + "ffn_down.weight", spec.type(), dim, ffn);
            bias(p + "ffn_down.bias", dim, arch == Architecture.GPT2);
        }
        norm("output_norm", dim, layerNorm);
        matrix("output.weight", spec.type(), vocab, dim);
    }

    private void matrix(String name, DType type, int rows, int cols) {
        DType stored = cols % type.blockSize() == 0 ? type : fallback(type, name, cols);
        matrixRows(name, stored, rows, cols, new long[] {cols, rows});
    }

    /**
     * llama-quantize's substitutes for K-quant rows that are not whole 256-value super-blocks (for example the
     * 576-wide rows of the medium preset).
     */
    private static DType fallback(DType type, String name, int cols) {
        DType f = switch (type) {
            case Q4_K -> DType.Q5_0;
            case Q5_K -> DType.Q5_1;
            case Q6_K -> DType.Q8_0;
            default -> throw new IllegalArgumentException("tensor '" + name + "': row length " + cols
                    + " is not a multiple of " + type + "'s block size " + type.blockSize());
        };
        if (cols % f.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': row length " + cols + " fits neither "
                    + type + " nor its fallback " + f);
        }
        return f;
    }

    private void matrixRows(String name, DType type, int rows, int cols, long[] dims) {
        RowEncoder encoder = RowEncoder.of(type);
        long rowBytes = type.rowBytes(cols);
        long seed = spec.seed();
        w.addTensor(name, type, dims, (MemorySegment target) -> {
            ZigguratNormal normal = new ZigguratNormal(new Pcg64(SeedSequence.of(seed, name)));
            float[] row = new float[cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    row[c] = normal.next() * STD;
                }
                encoder.encode(row, target, r * rowBytes);
            }
        });
    }

    private void norm(String prefix, int dim, boolean withBias) {
        constant(prefix + ".weight", dim, 1f);
        if (withBias) {
            constant(prefix + ".bias", dim, 0f);
        }
    }

    private void bias(String name, int n, boolean present) {
        if (present) {
            matrixRows(name, DType.F32, 1, n, new long[] {n});
        }
    }

    private void constant(String name, int n, float value) {
        w.addTensor(name, DType.F32, new long[] {n}, (MemorySegment target) -> {
            for (int i = 0; i < n; i++) {
                target.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, value);
            }
        });
    }

    /** ggml's {@code general.file_type} numbers (llama_ftype). */
    private static int fileType(DType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q4_K -> 15;
            case Q5_K -> 17;
            case Q6_K -> 18;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("no synthetic models of type " + type);
        };
    }
}
