package dev.smallmind.profile;

import dev.smallmind.kernels.Activations;
import dev.smallmind.kernels.ElementWise;
import dev.smallmind.kernels.Norms;
import dev.smallmind.kernels.Softmax;
import dev.smallmind.memory.Alignment;
import dev.smallmind.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Throughput of the element-wise kernels on one thread over one long row: bytes are the minimal traffic (each
 * input read once, each output written once), so multi-pass kernels (softmax reads its row three times, RMSNorm
 * twice) show a lower figure than the bytes the hardware really moved.
 */
final class ElementWiseBench {
    /** The measured kernels, with the bytes of minimal traffic per element. */
    enum Op {
        /** {@code out = a + b}. */
        ADD("add", 12),
        /** {@code out = a * b}. */
        MUL("mul", 12),
        /** {@code out = max(a, 0)}. */
        RELU("relu", 8),
        /** ggml's GELU (tanh form through its fp16 table). */
        GELU("gelu", 8),
        /** {@code out = a / (1 + e^-a)}. */
        SILU("silu", 8),
        /** In-place softmax of the whole row. */
        SOFTMAX("softmax", 8),
        /** RMSNorm of the whole row with a weight row. */
        RMSNORM("rmsnorm", 12);

        private final String id;
        private final int bytesPerElement;

        Op(String id, int bytesPerElement) {
            this.id = id;
            this.bytesPerElement = bytesPerElement;
        }

        /** @return lower-case name used in figure ids */
        String id() {
            return id;
        }

        /** @return bytes of minimal traffic per element */
        int bytesPerElement() {
            return bytesPerElement;
        }
    }

    /** Three rows of {@code n} random floats, off-heap and 64-byte aligned. */
    static final class Operands implements AutoCloseable {
        private final Arena arena = Arena.ofShared();
        private final int n;
        private final MemorySegment a;
        private final MemorySegment b;
        private final MemorySegment out;

        Operands(int n) {
            this.n = n;
            this.a = arena.allocate(4L * n, Alignment.BYTES);
            this.b = arena.allocate(4L * n, Alignment.BYTES);
            this.out = arena.allocate(4L * n, Alignment.BYTES);
            RandomWeights.fill(DType.F32, a, 4L * n, 5);
            RandomWeights.fill(DType.F32, b, 4L * n, 6);
        }

        /**
         * @param op kernel
         * @return one call of it over these rows
         */
        Runnable call(Op op) {
            return switch (op) {
                case ADD -> () -> ElementWise.add(a, 0, b, 0, out, 0, n);
                case MUL -> () -> ElementWise.mul(a, 0, b, 0, out, 0, n);
                case RELU -> () -> Activations.relu(a, 0, out, 0, n);
                case GELU -> () -> Activations.gelu(a, 0, out, 0, n);
                case SILU -> () -> Activations.silu(a, 0, out, 0, n);
                case SOFTMAX -> () -> Softmax.softmax(out, 0, n);
                case RMSNORM -> () -> Norms.rmsNorm(a, 0, b, 0, out, 0, n, 1e-5f);
            };
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    private ElementWiseBench() {
    }

    /**
     * @param operands rows to run on
     * @param op       kernel
     * @param measure  timing settings
     * @return GB/s of minimal traffic
     */
    static Stats gbs(Operands operands, Op op, Measure measure) {
        double[] s = measure.secondsPerCall(operands.call(op));
        return Stats.rates((double) op.bytesPerElement() * operands.n / 1e9, s);
    }
}
