package dev.smallmind.graph.ops;

import dev.smallmind.graph.Buffer;
import dev.smallmind.graph.KvCache;
import dev.smallmind.tensor.Tensor;

/**
 * The failure messages of the graph's node classes, kept out of those classes: they run in every step, and HotSpot
 * resolves, and so allocates, every String constant of a class on the thread that first asks C2 to compile one of
 * its methods, which can be a decode step long after the warm-up (docs/architecture.md, "Zero allocation and the
 * JIT: String constants"). {@link MatmulParts} does the same for {@link MatmulNode}.
 */
final class NodeText {
    private NodeText() {
    }

    static IllegalArgumentException cacheMismatch(String node, int kvHeads, int headDim, KvCache cache) {
        return new IllegalArgumentException("node '" + node + "': " + kvHeads + " KV heads of " + headDim
                + " floats do not match the cache's " + cache.kvHeads() + " of " + cache.headDim());
    }

    static IllegalArgumentException scoreScratch(String node, Buffer scores, long needed) {
        return new IllegalArgumentException("node '" + node + "': score scratch of " + scores.bytes()
                + " bytes, needs " + needed);
    }

    static IllegalArgumentException biasLength(String node, Tensor bias, int dim) {
        return new IllegalArgumentException("node '" + node + "': bias " + bias + " must have " + dim
                + " elements like the weight");
    }

    static IllegalArgumentException tokenOutsideVocabulary(int token, int rows) {
        return new IllegalArgumentException("token id " + token + " outside the vocabulary [0, " + rows + ")");
    }
}
