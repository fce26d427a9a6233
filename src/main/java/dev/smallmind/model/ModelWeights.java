package dev.smallmind.model;

import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.kernels.InterleavedWeights;
import dev.smallmind.memory.UnzeroedMemory;
import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Shape;
import dev.smallmind.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.UnaryOperator;


/**
 * Every weight of a model bound by its GGUF tensor name and checked against the configuration: shapes, the
 * presence of what the architecture needs, and weight types the engine has kernels for. Tied output weights
 * (no {@code output.weight}) reuse the token embedding.
 *
 * @param tokenEmbedding    {@code [vocab, dim]}
 * @param positionEmbedding {@code [positions, dim]} (GPT-2) or null
 * @param outputNorm        {@code [dim]}
 * @param outputNormBias    or null
 * @param output            {@code [vocab, dim]}, possibly the token embedding itself
 * @param layers            one entry per block
 */
public record ModelWeights(Tensor tokenEmbedding, Tensor positionEmbedding, Tensor outputNorm, Tensor outputNormBias,
                           Tensor output, LayerWeights[] layers) {

    /**
     * @param gguf   the opened file
     * @param config its configuration
     * @return the bound weights
     * @throws ModelLoadException naming the tensor that is missing, misshaped or of an unsupported type
     */
    public static ModelWeights bind(GgufFile gguf, ModelConfig config) {
        Binder b = new Binder(gguf);
        int dim = config.dim();
        int vocab = config.vocabSize();
        Architecture arch = config.architecture();
        boolean layerNorm = arch.norm() == Architecture.Norm.LAYER;
        Tensor embd = b.required("token_embd.weight", vocab, dim);
        Tensor pos = arch.rope() == Architecture.Rope.NONE
                ? b.required("position_embd.weight", config.contextLength(), dim) : null;
        Tensor outNorm = b.vector("output_norm.weight", dim);
        Tensor outNormBias = layerNorm ? b.vector("output_norm.bias", dim) : null;
        Tensor output = b.has("output.weight") ? b.required("output.weight", vocab, dim) : embd;
        LayerWeights[] layers = new LayerWeights[config.layers()];
        int q = config.qDim();
        int kv = config.kvDim();
        int ffn = config.ffnDim();
        for (int l = 0; l < layers.length; l++) {
            String p = "blk." + l + ".";
            boolean fused = b.has(p + "attn_qkv.weight");
            Tensor wqkv = fused ? b.required(p + "attn_qkv.weight", q + 2 * kv, dim) : null;
            Tensor wq = fused ? null : b.required(p + "attn_q.weight", q, dim);
            Tensor wk = fused ? null : b.required(p + "attn_k.weight", kv, dim);
            Tensor wv = fused ? null : b.required(p + "attn_v.weight", kv, dim);
            boolean gated = arch.feed() == Architecture.Feed.SWIGLU;
            boolean fusedUp = gated && !b.has(p + "ffn_gate.weight");
            layers[l] = new LayerWeights(
                    b.vector(p + "attn_norm.weight", dim),
                    layerNorm ? b.vector(p + "attn_norm.bias", dim) : null,
                    wq, wk, wv, wqkv,
                    b.optionalVector(p + "attn_q.bias", q),
                    b.optionalVector(p + "attn_k.bias", kv),
                    b.optionalVector(p + "attn_v.bias", kv),
                    b.optionalVector(p + "attn_qkv.bias", q + 2 * kv),
                    b.required(p + "attn_output.weight", dim, q),
                    b.optionalVector(p + "attn_output.bias", dim),
                    b.vector(p + "ffn_norm.weight", dim),
                    layerNorm ? b.vector(p + "ffn_norm.bias", dim) : null,
                    gated && !fusedUp ? b.required(p + "ffn_gate.weight", ffn, dim) : null,
                    b.required(p + "ffn_up.weight", fusedUp ? 2 * ffn : ffn, dim),
                    b.optionalVector(p + "ffn_up.bias", fusedUp ? 2 * ffn : ffn),
                    b.required(p + "ffn_down.weight", dim, ffn),
                    b.optionalVector(p + "ffn_down.bias", dim));
        }
        return new ModelWeights(embd, pos, outNorm, outNormBias, output, layers);
    }

    /**
     * The same weights with every projection matrix whose type has an interleaving kernel
     * ({@link MatmulKernels#forProjection} is an {@link InterleavedWeights}) copied into {@code arena} (memory nobody
     * zeroes first, {@link dev.smallmind.memory.UnzeroedMemory}: the packing writes every byte) in that
     * kernel's layout, where its rows make whole groups. The token embedding stays as mapped (its lookups read
     * GGUF rows), so a tied output gets a copy of its own. The mapped pages a copy was made from are released
     * ({@link GgufFile#releasePages}), so resident memory does not hold the weights twice. Each matrix's groups are
     * split over {@code pool}'s threads.
     *
     * @param arena where the copies live (as long as the model)
     * @param gguf  the file the weights are views of
     * @param pool  threads to rearrange with
     * @return the weights the graph runs
     * @throws ModelLoadException naming the tensor when its data cannot be interleaved (a scale that is not finite)
     */
    public ModelWeights interleaved(Arena arena, GgufFile gguf, WorkerPool pool) {
        UnaryOperator<Tensor> interleave = t -> interleave(t, arena, gguf, pool);
        LayerWeights[] interleavedLayers = new LayerWeights[layers.length];
        for (int l = 0; l < layers.length; l++) {
            interleavedLayers[l] = layers[l].withProjections(interleave);
        }
        return new ModelWeights(tokenEmbedding, positionEmbedding, outputNorm, outputNormBias,
                interleave(output, arena, gguf, pool), interleavedLayers);
    }

    private static Tensor interleave(Tensor t, Arena arena, GgufFile gguf, WorkerPool pool) {
        if (!(MatmulKernels.forProjection(t.type()) instanceof InterleavedWeights kernel)
                || !t.isContiguous() || t.shape().rank() != 2 || t.shape().dim(0) % kernel.groupRows() != 0) {
            return t;
        }
        long bytes = Tensor.byteSize(t.type(), t.shape());
        MemorySegment copy = UnzeroedMemory.allocate(arena, bytes);
        int k = (int) t.shape().last();
        int groupRows = kernel.groupRows();
        int groups = (int) (t.shape().dim(0) / groupRows);
        long groupBytes = bytes / groups;
        try {
            pool.run((from, to, worker) -> kernel.pack(t.segment(), t.offset() + from * groupBytes, k,
                    (to - from) * groupRows, copy, from * groupBytes), groups);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(gguf.path() + ": tensor '" + t.name() + "': " + e.getMessage());
        }
        gguf.releasePages(t.offset(), bytes);
        return t.interleavedAt(copy, 0);
    }

    /** Looks tensors up by name and checks them, with messages naming file and tensor. */
    private record Binder(GgufFile gguf) {
        boolean has(String name) {
            return gguf.tensorInfo(name) != null;
        }

        Tensor required(String name, int rows, int cols) {
            if (!has(name)) {
                throw new ModelLoadException(file() + ": missing tensor '" + name + "'");
            }
            Tensor t = gguf.tensor(name);
            if (!MatmulKernels.supported().contains(t.type())) {
                throw new ModelLoadException(file() + ": tensor '" + name + "' has weight type " + t.type()
                        + ", which has no kernel (supported: " + MatmulKernels.supported() + ")");
            }
            return expect(t, Shape.of(rows, cols));
        }

        Tensor vector(String name, int n) {
            if (!has(name)) {
                throw new ModelLoadException(file() + ": missing tensor '" + name + "'");
            }
            return optionalVector(name, n);
        }

        Tensor optionalVector(String name, int n) {
            if (!has(name)) {
                return null;
            }
            Tensor t = gguf.tensor(name);
            if (t.type() != DType.F32) {
                throw new ModelLoadException(file() + ": tensor '" + name + "' must be F32, got " + t.type());
            }
            if (t.shape().elements() != n) {
                throw new ModelLoadException(file() + ": tensor '" + name + "' has shape " + t.shape()
                        + ", expected [" + n + "]");
            }
            return t.reshape(Shape.of(n));
        }

        private Tensor expect(Tensor t, Shape shape) {
            if (!t.shape().equals(shape)) {
                throw new ModelLoadException(file() + ": tensor '" + t.name() + "' has shape " + t.shape()
                        + ", expected " + shape);
            }
            return t;
        }

        private String file() {
            return gguf.path().getFileName().toString();
        }
    }
}
