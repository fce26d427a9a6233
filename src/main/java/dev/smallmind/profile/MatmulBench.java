package dev.smallmind.profile;

import dev.smallmind.kernels.InterleavedWeights;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.memory.Alignment;
import dev.smallmind.parallel.RangeTask;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Matrix multiplication through the engine's own {@link MatmulKernel}s, split across the worker pool by weight
 * rows in groups of 16 as the graph's projection nodes split them:
 * <ul>
 *   <li>GEMM: an {@code n x n} F32 weight matrix times {@code n} activation rows, {@code 2 n^3} FLOPs;</li>
 *   <li>matvec: one activation row times a weight matrix of about {@code targetBytes} (several times the
 *       last-level cache, so the weights stream from DRAM as in a decode step), quoted as weight bytes read per
 *       second. Quantized kernels prepare the activations once per call, inside the timed region, as the
 *       engine does. The kernel is the one a model's projections of the type run
 *       ({@link MatmulKernels#forProjection}), over rows interleaved at load where it reads them so.</li>
 * </ul>
 */
final class MatmulBench {
    private static final int ROW_GRAIN = 16;

    private MatmulBench() {
    }

    /**
     * @param pool    threads
     * @param measure timing settings
     * @param n       matrix size
     * @return GFLOPS
     * @throws IllegalArgumentException when the engine has no F32 kernel
     */
    static Stats gemmGflops(WorkerPool pool, Measure measure, int n) {
        MatmulKernel kernel = MatmulKernels.forType(DType.F32);
        try (Arena arena = Arena.ofShared()) {
            long bytes = 4L * n * n;
            MemorySegment w = arena.allocate(bytes, Alignment.BYTES);
            MemorySegment x = arena.allocate(bytes, Alignment.BYTES);
            MemorySegment y = arena.allocate(bytes, Alignment.BYTES);
            RandomWeights.fill(DType.F32, w, bytes, 1);
            RandomWeights.fill(DType.F32, x, bytes, 2);
            Call call = new Call(kernel, w, n, x, n, y, n, prepared(arena, kernel, n, n), pool);
            double[] s = measure.secondsPerCall(call);
            return Stats.rates(2.0 * n * n * n / 1e9, s);
        }
    }

    /**
     * @param type        weight type
     * @param pool        threads
     * @param measure     timing settings
     * @param k           row length (a multiple of 256, so every block layout fits)
     * @param targetBytes approximate weight bytes; rows are a multiple of 64
     * @return weight GB/s
     * @throws IllegalArgumentException when the engine has no kernel for the type
     */
    static Stats matvecGbs(DType type, WorkerPool pool, Measure measure, int k, long targetBytes) {
        MatmulKernel kernel = MatmulKernels.forProjection(type);
        long rowBytes = type.rowBytes(k);
        int rows = (int) Math.max(64, targetBytes / rowBytes / 64 * 64);
        long bytes = rowBytes * rows;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment w = arena.allocate(bytes, Alignment.BYTES);
            MemorySegment x = arena.allocate(4L * k, Alignment.BYTES);
            MemorySegment y = arena.allocate(4L * rows, Alignment.BYTES);
            if (kernel instanceof InterleavedWeights interleaved) {
                try (Arena gguf = Arena.ofShared()) {
                    MemorySegment rowsInGguf = gguf.allocate(bytes, Alignment.BYTES);
                    RandomWeights.fill(type, rowsInGguf, bytes, 3);
                    interleaved.pack(rowsInGguf, 0, k, rows, w, 0);
                }
            } else {
                RandomWeights.fill(type, w, bytes, 3);
            }
            RandomWeights.fill(DType.F32, x, 4L * k, 4);
            Call call = new Call(kernel, w, k, x, 1, y, rows, prepared(arena, kernel, 1, k), pool);
            double[] s = measure.secondsPerCall(call);
            return Stats.rates(bytes / 1e9, s);
        }
    }

    private static MemorySegment prepared(Arena arena, MatmulKernel kernel, int t, int k) {
        long bytes = kernel.preparedBytes(t, k);
        return bytes == 0 ? null : arena.allocate(bytes, Alignment.BYTES);
    }

    /** One multiplication: prepare the activations (if the kernel wants), then all weight rows on the pool. */
    private static final class Call implements Runnable, RangeTask {
        private final MatmulKernel kernel;
        private final MemorySegment w;
        private final int k;
        private final MemorySegment x;
        private final int t;
        private final MemorySegment y;
        private final int rows;
        private final MemorySegment prep;
        private final WorkerPool pool;

        Call(MatmulKernel kernel, MemorySegment w, int k, MemorySegment x, int t, MemorySegment y, int rows,
             MemorySegment prep, WorkerPool pool) {
            this.kernel = kernel;
            this.w = w;
            this.k = k;
            this.x = x;
            this.t = t;
            this.y = y;
            this.rows = rows;
            this.prep = prep;
            this.pool = pool;
        }

        @Override
        public void run() {
            if (prep != null) {
                kernel.prepare(x, 0, k, 0, t, prep, 0);
            }
            pool.run(this, rows, ROW_GRAIN);
        }

        @Override
        public void run(int from, int to, int worker) {
            MemorySegment act = prep != null ? prep : x;
            kernel.multiply(w, 0, k, act, 0, t, y, 0, rows, from, to);
        }
    }
}
