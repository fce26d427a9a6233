package dev.smallmind.model;

import dev.smallmind.tensor.Tensor;

import java.util.function.UnaryOperator;

/**
 * The weights of one transformer block, as views into the mapped file (projections possibly interleaved at load,
 * {@link ModelWeights#interleaved}). Absent parts are null: a fused {@code qkv}
 * replaces {@code q}, {@code k} and {@code v}; a fused {@code up} of twice the feed-forward width replaces
 * {@code gate} and {@code up} (Phi-3); biases exist only where the architecture has them.
 *
 * @param attnNorm     attention input norm weight {@code [dim]}
 * @param attnNormBias its bias (LayerNorm) or null
 * @param q            {@code [qDim, dim]} or null when fused
 * @param k            {@code [kvDim, dim]} or null when fused
 * @param v            {@code [kvDim, dim]} or null when fused
 * @param qkv          {@code [qDim + 2 kvDim, dim]} or null
 * @param qBias        or null
 * @param kBias        or null
 * @param vBias        or null
 * @param qkvBias      or null
 * @param output       attention output projection {@code [dim, qDim]}
 * @param outputBias   or null
 * @param ffnNorm      feed-forward input norm weight {@code [dim]}
 * @param ffnNormBias  its bias (LayerNorm) or null
 * @param gate         {@code [ffn, dim]} or null (GELU models and fused gate/up)
 * @param up           {@code [ffn, dim]}, or {@code [2 ffn, dim]} when gate and up are fused
 * @param upBias       or null
 * @param down         {@code [dim, ffn]}
 * @param downBias     or null
 */
public record LayerWeights(Tensor attnNorm, Tensor attnNormBias, Tensor q, Tensor k, Tensor v, Tensor qkv,
                           Tensor qBias, Tensor kBias, Tensor vBias, Tensor qkvBias, Tensor output,
                           Tensor outputBias, Tensor ffnNorm, Tensor ffnNormBias, Tensor gate, Tensor up,
                           Tensor upBias, Tensor down, Tensor downBias) {

    /**
     * @param replace applied to each projection matrix present (q, k, v, qkv, output, gate, up, down)
     * @return these weights with the projections replaced by what {@code replace} returns
     */
    LayerWeights withProjections(UnaryOperator<Tensor> replace) {
        return new LayerWeights(attnNorm, attnNormBias, orNull(q, replace), orNull(k, replace), orNull(v, replace),
                orNull(qkv, replace), qBias, kBias, vBias, qkvBias, orNull(output, replace), outputBias, ffnNorm,
                ffnNormBias, orNull(gate, replace), orNull(up, replace), upBias, orNull(down, replace), downBias);
    }

    private static Tensor orNull(Tensor t, UnaryOperator<Tensor> replace) {
        return t == null ? null : replace.apply(t);
    }
}
