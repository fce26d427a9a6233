package dev.smallmind.model;

import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Tensor;

import java.lang.foreign.ValueLayout;

/**
 * A plain, double-precision forward pass written straight from the architecture descriptions (no graph, no
 * kernels, no KV cache: every position recomputed), for F32 model files. The engine's logits are checked against
 * it for architectures that have no llama.cpp golden data here.
 */
final class ReferenceTransformer {
    private final GgufFile gguf;
    private final ModelConfig c;
    private final Architecture arch;

    ReferenceTransformer(GgufFile gguf, ModelConfig config) {
        this.gguf = gguf;
        this.c = config;
        this.arch = config.architecture();
    }

    /** @return logits[position][vocab] for the token sequence */
    double[][] logits(int[] tokens) {
        int n = tokens.length;
        int dim = c.dim();
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            x[i] = row("token_embd.weight", tokens[i]);
            if (arch.rope() == Architecture.Rope.NONE) {
                double[] p = row("position_embd.weight", i);
                for (int d = 0; d < dim; d++) {
                    x[i][d] += p[d];
                }
            }
        }
        for (int l = 0; l < c.layers(); l++) {
            x = block(l, x);
        }
        double[][] out = new double[n][];
        String output = gguf.tensorInfo("output.weight") != null ? "output.weight" : "token_embd.weight";
        for (int i = 0; i < n; i++) {
            out[i] = matvec(output, norm("output_norm", x[i]));
        }
        return out;
    }

    private double[][] block(int l, double[][] x) {
        String p = "blk." + l + ".";
        int n = x.length;
        int q = c.qDim();
        int kv = c.kvDim();
        int hd = c.headDim();
        double[][] qs = new double[n][];
        double[][] ks = new double[n][];
        double[][] vs = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] h = norm(p + "attn_norm", x[i]);
            if (has(p + "attn_qkv.weight")) {
                double[] qkv = addBias(matvec(p + "attn_qkv.weight", h), p + "attn_qkv.bias");
                qs[i] = java.util.Arrays.copyOfRange(qkv, 0, q);
                ks[i] = java.util.Arrays.copyOfRange(qkv, q, q + kv);
                vs[i] = java.util.Arrays.copyOfRange(qkv, q + kv, q + 2 * kv);
            } else {
                qs[i] = addBias(matvec(p + "attn_q.weight", h), p + "attn_q.bias");
                ks[i] = addBias(matvec(p + "attn_k.weight", h), p + "attn_k.bias");
                vs[i] = addBias(matvec(p + "attn_v.weight", h), p + "attn_v.bias");
            }
            if (arch.rope() != Architecture.Rope.NONE) {
                rope(qs[i], c.heads(), i);
                rope(ks[i], c.kvHeads(), i);
            }
        }
        double[][] next = new double[n][];
        int group = c.heads() / c.kvHeads();
        for (int i = 0; i < n; i++) {
            double[] att = new double[q];
            for (int h = 0; h < c.heads(); h++) {
                int kvh = h / group;
                double[] s = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    double dot = 0;
                    for (int d = 0; d < hd; d++) {
                        dot += qs[i][h * hd + d] * ks[j][kvh * hd + d];
                    }
                    s[j] = dot / Math.sqrt(hd);
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int j = 0; j <= i; j++) {
                    for (int d = 0; d < hd; d++) {
                        att[h * hd + d] += s[j] / sum * vs[j][kvh * hd + d];
                    }
                }
            }
            double[] o = addBias(matvec(p + "attn_output.weight", att), p + "attn_output.bias");
            double[] x1 = new double[c.dim()];
            for (int d = 0; d < c.dim(); d++) {
                x1[d] = x[i][d] + o[d];
            }
            double[] h2 = norm(p + "ffn_norm", x1);
            int ffn = c.ffnDim();
            double[] f = new double[ffn];
            if (arch.feed() == Architecture.Feed.SWIGLU) {
                double[] gate;
                double[] up;
                if (has(p + "ffn_gate.weight")) {
                    gate = matvec(p + "ffn_gate.weight", h2);
                    up = matvec(p + "ffn_up.weight", h2);
                } else {
                    double[] gu = matvec(p + "ffn_up.weight", h2);
                    gate = java.util.Arrays.copyOfRange(gu, 0, ffn);
                    up = java.util.Arrays.copyOfRange(gu, ffn, 2 * ffn);
                }
                for (int d = 0; d < ffn; d++) {
                    f[d] = gate[d] / (1 + Math.exp(-gate[d])) * up[d];
                }
            } else {
                double[] up = addBias(matvec(p + "ffn_up.weight", h2), p + "ffn_up.bias");
                for (int d = 0; d < ffn; d++) {
                    double u = up[d];
                    f[d] = 0.5 * u * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (u + 0.044715 * u * u * u)));
                }
            }
            double[] down = addBias(matvec(p + "ffn_down.weight", f), p + "ffn_down.bias");
            next[i] = new double[c.dim()];
            for (int d = 0; d < c.dim(); d++) {
                next[i][d] = x1[d] + down[d];
            }
        }
        return next;
    }

    private void rope(double[] v, int heads, int pos) {
        int hd = c.headDim();
        int rd = c.ropeDim();
        boolean neox = arch.rope() == Architecture.Rope.NEOX;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < rd / 2; i++) {
                double theta = pos * Math.pow(c.ropeBase(), -2.0 * i / rd);
                int a = h * hd + (neox ? i : 2 * i);
                int b = h * hd + (neox ? i + rd / 2 : 2 * i + 1);
                double x0 = v[a];
                double x1 = v[b];
                v[a] = x0 * Math.cos(theta) - x1 * Math.sin(theta);
                v[b] = x0 * Math.sin(theta) + x1 * Math.cos(theta);
            }
        }
    }

    private double[] norm(String prefix, double[] x) {
        int n = x.length;
        double[] w = vector(prefix + ".weight");
        double[] out = new double[n];
        if (arch.norm() == Architecture.Norm.RMS) {
            double ss = 0;
            for (double v : x) {
                ss += v * v;
            }
            double scale = 1 / Math.sqrt(ss / n + c.normEps());
            for (int i = 0; i < n; i++) {
                out[i] = x[i] * scale * w[i];
            }
        } else {
            double[] b = vector(prefix + ".bias");
            double mean = 0;
            for (double v : x) {
                mean += v;
            }
            mean /= n;
            double var = 0;
            for (double v : x) {
                var += (v - mean) * (v - mean);
            }
            var /= n;
            double scale = 1 / Math.sqrt(var + c.normEps());
            for (int i = 0; i < n; i++) {
                out[i] = (x[i] - mean) * scale * w[i] + b[i];
            }
        }
        return out;
    }

    private boolean has(String name) {
        return gguf.tensorInfo(name) != null;
    }

    private double[] addBias(double[] v, String name) {
        if (has(name)) {
            double[] b = vector(name);
            for (int i = 0; i < v.length; i++) {
                v[i] += b[i];
            }
        }
        return v;
    }

    private double[] vector(String name) {
        Tensor t = gguf.tensor(name).requireType(DType.F32);
        double[] v = new double[(int) t.shape().elements()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.segment().get(ValueLayout.JAVA_FLOAT_UNALIGNED, t.offset() + 4L * i);
        }
        return v;
    }

    private double[] row(String name, int r) {
        Tensor t = gguf.tensor(name).requireType(DType.F32);
        int cols = (int) t.shape().last();
        double[] v = new double[cols];
        for (int i = 0; i < cols; i++) {
            v[i] = t.segment().get(ValueLayout.JAVA_FLOAT_UNALIGNED, t.offset() + 4L * ((long) r * cols + i));
        }
        return v;
    }

    private double[] matvec(String name, double[] x) {
        Tensor t = gguf.tensor(name).requireType(DType.F32);
        int rows = (int) t.shape().dim(0);
        int cols = (int) t.shape().dim(1);
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            long base = t.offset() + 4L * r * cols;
            for (int i = 0; i < cols; i++) {
                s += t.segment().get(ValueLayout.JAVA_FLOAT_UNALIGNED, base + 4L * i) * x[i];
            }
            y[r] = s;
        }
        return y;
    }
}
