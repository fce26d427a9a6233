package dev.smallmind.model;

import dev.smallmind.graph.Buffer;
import dev.smallmind.graph.Graph;
import dev.smallmind.graph.GraphBuilder;
import dev.smallmind.graph.KvCache;
import dev.smallmind.graph.Plan;
import dev.smallmind.graph.StepContext;
import dev.smallmind.graph.ops.AddNode;
import dev.smallmind.graph.ops.AttentionNode;
import dev.smallmind.graph.ops.EmbedNode;
import dev.smallmind.graph.ops.GatedActivationNode;
import dev.smallmind.graph.ops.KvStoreNode;
import dev.smallmind.graph.ops.MatmulNode;
import dev.smallmind.graph.ops.PanelScratch;
import dev.smallmind.graph.ops.RunScratch;
import dev.smallmind.graph.ops.NormNode;
import dev.smallmind.graph.ops.PositionEmbedNode;
import dev.smallmind.graph.ops.RopeNode;
import dev.smallmind.graph.ops.Rows;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.kernels.RopeTable;
import dev.smallmind.memory.StepArena;
import dev.smallmind.tensor.Tensor;

/**
 * Declares the forward pass of every supported architecture as a graph of op nodes: embedding, then per block
 * norm, fused q/k/v projection, RoPE, KV store, attention, output projection and residual, norm, fused gate/up
 * projection, activation, down projection and residual; then the final norm and the vocabulary projection.
 * Architecture traits (norm kind, RoPE pairing, biases, fused tensors, GELU) select the variant of each step.
 */
public final class TransformerGraph {
    private final Model model;
    private final ModelConfig c;
    private final StepContext step;
    private final KvCache cache;
    private final RopeTable rope;
    private final int maxTokens;
    private final int threads;
    private final Rows logitRows;
    private final GraphBuilder g = new GraphBuilder();
    private Buffer logits;
    private Plan plan;

    private TransformerGraph(Model model, StepContext step, KvCache cache, RopeTable rope, int maxTokens,
                             int threads, Rows logitRows) {
        this.logitRows = logitRows;
        this.model = model;
        this.c = model.config();
        this.step = step;
        this.cache = cache;
        this.rope = rope;
        this.maxTokens = maxTokens;
        this.threads = threads;
    }

    /**
     * Declares and plans the forward pass for steps of up to {@code maxTokens} tokens; {@link #bind} then places
     * it in a step arena.
     *
     * @param model     the model
     * @param step      the session's step context
     * @param cache     the session's KV cache
     * @param rope      RoPE table covering the cache's positions (null for architectures without RoPE)
     * @param maxTokens most tokens per step
     * @param threads   workers of the pool the graph will run on (sizes per-worker scratch)
     * @param logitRows logits for every step row, or for the last only
     * @return the planned graph
     */
    public static TransformerGraph plan(Model model, StepContext step, KvCache cache, RopeTable rope, int maxTokens,
                                        int threads, Rows logitRows) {
        TransformerGraph t = new TransformerGraph(model, step, cache, rope, maxTokens, threads, logitRows);
        t.declare();
        return t;
    }

    /** @return the planner's report: nodes, peak and total intermediate bytes */
    public Plan plan() {
        return plan;
    }

    /**
     * @param arena step arena with at least {@code plan().peakBytes()} bytes free
     * @return the runnable forward pass
     */
    public ForwardPass bind(StepArena arena) {
        Graph graph = g.bind(arena);
        return new ForwardPass(graph, arena.segment(), logits.offset(), c.vocabSize(), logitRows, maxTokens);
    }

    private void declare() {
        ModelWeights w = model.weights();
        Architecture arch = c.architecture();
        int dim = c.dim();
        Buffer x = floats("embd", dim);
        g.add(new EmbedNode("token_embd", step, MatmulKernels.forType(w.tokenEmbedding().type()),
                w.tokenEmbedding(), x));
        if (w.positionEmbedding() != null) {
            g.add(new PositionEmbedNode("position_embd", step, w.positionEmbedding(), x));
        }
        for (int l = 0; l < c.layers(); l++) {
            x = block(l, w.layers()[l], x, arch);
        }
        int outRows = logitRows == Rows.ALL ? maxTokens : 1;
        Buffer h = floats("result_norm", dim);
        g.add(new NormNode("output_norm", step, x, w.outputNorm(), w.outputNormBias(), h, c.normEps(), logitRows));
        logits = g.buffer("logits", 4L * outRows * c.vocabSize());
        matmul("output", new Tensor[] {w.output()}, null, new int[] {0}, h, logits, c.vocabSize(), logitRows, outRows);
        plan = g.plan(logits);
    }

    private Buffer block(int l, LayerWeights lw, Buffer x, Architecture arch) {
        String p = "blk." + l + ".";
        int dim = c.dim();
        int q = c.qDim();
        int kv = c.kvDim();
        int qkvWidth = q + 2 * kv;
        Buffer h = floats(p + "attn_norm", dim);
        g.add(new NormNode(p + "attn_norm", step, x, lw.attnNorm(), lw.attnNormBias(), h, c.normEps(), Rows.ALL));
        Buffer qkv = floats(p + "qkv", qkvWidth);
        if (lw.qkv() != null) {
            matmul(p + "attn_qkv", new Tensor[] {lw.qkv()}, new Tensor[] {lw.qkvBias()}, new int[] {0}, h, qkv,
                    qkvWidth, Rows.ALL, maxTokens);
        } else {
            matmul(p + "attn_qkv", new Tensor[] {lw.q(), lw.k(), lw.v()},
                    new Tensor[] {lw.qBias(), lw.kBias(), lw.vBias()}, new int[] {0, q, q + kv}, h, qkv, qkvWidth,
                    Rows.ALL, maxTokens);
        }
        if (arch.rope() != Architecture.Rope.NONE) {
            g.add(new RopeNode(p + "rope_q", step, qkv, 0, qkvWidth, c.heads(), c.headDim(), rope));
            g.add(new RopeNode(p + "rope_k", step, qkv, q, qkvWidth, c.kvHeads(), c.headDim(), rope));
        }
        g.add(new KvStoreNode(p + "kv_store", step, cache, l, qkv, q, qkv, q + kv, qkvWidth));
        Buffer attn = floats(p + "attn", q);
        Buffer scores = g.buffer(p + "scores", AttentionNode.scoreBytes(threads, cache.contextLength(),
                c.heads(), c.kvHeads(), c.headDim()));
        g.add(new AttentionNode(p + "attention", step, cache, l, qkv, 0, qkvWidth, attn, scores, c.heads(),
                c.kvHeads(), c.headDim(), threads));
        Buffer o = floats(p + "attn_out", dim);
        matmul(p + "attn_output", new Tensor[] {lw.output()}, new Tensor[] {lw.outputBias()}, new int[] {0}, attn, o,
                dim, Rows.ALL, maxTokens);
        Buffer x1 = floats(p + "attn_residual", dim);
        g.add(new AddNode(p + "attn_residual", step, x, o, x1, dim));
        Buffer h2 = floats(p + "ffn_norm", dim);
        g.add(new NormNode(p + "ffn_norm", step, x1, lw.ffnNorm(), lw.ffnNormBias(), h2, c.normEps(), Rows.ALL));
        int ffn = c.ffnDim();
        Buffer act = floats(p + "ffn_act", ffn);
        if (arch.feed() == Architecture.Feed.SWIGLU) {
            Buffer gu = floats(p + "ffn_gate_up", 2 * ffn);
            if (lw.gate() != null) {
                matmul(p + "ffn_gate_up", new Tensor[] {lw.gate(), lw.up()}, null, new int[] {0, ffn}, h2, gu,
                        2 * ffn, Rows.ALL, maxTokens);
            } else {
                matmul(p + "ffn_gate_up", new Tensor[] {lw.up()}, new Tensor[] {lw.upBias()}, new int[] {0}, h2, gu,
                        2 * ffn, Rows.ALL, maxTokens);
            }
            g.add(GatedActivationNode.swiglu(p + "ffn_swiglu", step, gu, 0, ffn, 2 * ffn, act, ffn));
        } else {
            Buffer u = floats(p + "ffn_up", ffn);
            matmul(p + "ffn_up", new Tensor[] {lw.up()}, new Tensor[] {lw.upBias()}, new int[] {0}, h2, u, ffn,
                    Rows.ALL, maxTokens);
            g.add(GatedActivationNode.gelu(p + "ffn_gelu", step, u, act, ffn));
        }
        Buffer d = floats(p + "ffn_out", dim);
        matmul(p + "ffn_down", new Tensor[] {lw.down()}, new Tensor[] {lw.downBias()}, new int[] {0}, act, d, dim,
                Rows.ALL, maxTokens);
        Buffer x2 = floats(p + "ffn_residual", dim);
        g.add(new AddNode(p + "ffn_residual", step, x1, d, x2, dim));
        return x2;
    }

    /**
     * Adds one projection node over weights that share a type (separate nodes when the types differ, as in
     * mixed-precision files).
     */
    private void matmul(String name, Tensor[] weights, Tensor[] biases, int[] columns, Buffer in, Buffer out,
                        int outStride, Rows rows, int rowCapacity) {
        boolean sameType = true;
        for (Tensor t : weights) {
            sameType &= t.type() == weights[0].type() && t.interleaved() == weights[0].interleaved();
        }
        if (!sameType) {
            for (int i = 0; i < weights.length; i++) {
                matmul(name + "." + i, new Tensor[] {weights[i]}, biases == null ? null : new Tensor[] {biases[i]},
                        new int[] {columns[i]}, in, out, outStride, rows, rowCapacity);
            }
            return;
        }
        MatmulKernel kernel = MatmulKernels.forWeights(weights[0]);
        int k = (int) weights[0].shape().last();
        long prepBytes = kernel.preparedBytes(rowCapacity, k);
        Buffer prepared = prepBytes == 0 ? null : g.buffer(name + ".prepared", prepBytes);
        PanelScratch panels = null;
        RunScratch runs = null;
        if (RunScratch.applies(kernel, rowCapacity)) {
            runs = new RunScratch(g.buffer(name + ".runs", RunScratch.preparedBytes(kernel, rowCapacity, k)),
                    g.buffer(name + ".accumulators", RunScratch.accumulatorBytes(kernel, threads)));
        } else if (PanelScratch.applies(kernel, rowCapacity)) {
            panels = new PanelScratch(g.buffer(name + ".rounded", PanelScratch.roundedBytes(rowCapacity, k)),
                    g.buffer(name + ".packed", PanelScratch.packedBytes(rowCapacity, k)),
                    g.buffer(name + ".decoded", PanelScratch.decodedBytes(threads, kernel, k)),
                    PanelScratch.panelRows(kernel, k));
        }
        g.add(new MatmulNode(name, step, kernel, weights, biases, columns, in, out, outStride, rows, prepared,
                rowCapacity, panels, runs));
    }

    private Buffer floats(String name, int width) {
        return g.buffer(name, 4L * maxTokens * width);
    }
}
