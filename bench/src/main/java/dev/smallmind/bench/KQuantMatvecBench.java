package dev.smallmind.bench;

import dev.smallmind.kernels.InterleavedWeights;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.matmul.KQuantScales;
import dev.smallmind.kernels.matmul.Q4_KMatmul;
import dev.smallmind.kernels.matmul.Q5_KMatmul;
import dev.smallmind.kernels.matmul.Q6_KMatmul;
import dev.smallmind.parallel.RangeTask;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One decode-step matrix-vector product (n = k = 4096, one token) per call for the K-quant kernels: Q8_K
 * preparation of the activations on the calling thread, then the rows split over a {@link WorkerPool} of 1 or 2
 * threads. Weight GB/s = {@link #weightBytes} / time. The matrix is copied often enough to fill 96 MB and every
 * call uses the next copy, so the weights stream from DRAM as in a real model (one copy would sit in the 32 MB
 * L3). {@code Q4_K_INTERLEAVED} and {@code Q6_K_INTERLEAVED} are the kernels models use where the JVM allows them
 * (each copy packed as at load, {@link InterleavedWeights}). {@code Q4_K_FLOAT} is the float path kept only for
 * comparison: weights dequantized in registers and multiplied with F32 activations.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:TypeProfileLevel=0", "-XX:LiveNodeCountInliningCutoff=80000"})
public class KQuantMatvecBench {
    private static final int N = 4096;
    private static final int K = 4096;
    private static final long STREAM_BYTES = 96L << 20;

    /** Kernel under test. */
    @Param({"Q4_K", "Q5_K", "Q6_K", "Q4_K_INTERLEAVED", "Q6_K_INTERLEAVED", "Q4_K_FLOAT"})
    public String kernel;

    /** Worker threads, the caller's included. */
    @Param({"1", "2"})
    public int threads;

    /** Bytes of one weight matrix: divide by the time per call for GB/s. */
    public long weightBytes;

    private Arena arena;
    private WorkerPool pool;
    private MatmulKernel matmul;
    private MemorySegment weights;
    private MemorySegment x;
    private MemorySegment prep;
    private MemorySegment y;
    private int copies;
    private int next;
    private long wOffset;
    private RangeTask multiplyTask;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        matmul = switch (kernel) {
            case "Q4_K" -> new Q4_KMatmul();
            case "Q5_K" -> new Q5_KMatmul();
            case "Q6_K" -> new Q6_KMatmul();
            case "Q4_K_INTERLEAVED" -> InterleavedKernel.of(DType.Q4_K);
            case "Q6_K_INTERLEAVED" -> InterleavedKernel.of(DType.Q6_K);
            case "Q4_K_FLOAT" -> new Q4_KFloatPath();
            default -> throw new IllegalArgumentException("unknown kernel " + kernel);
        };
        DType type = matmul.weightType();
        weightBytes = type.rowBytes(K) * N;
        copies = (int) Math.max(1, STREAM_BYTES / weightBytes);
        weights = BenchMemory.randomBytes(arena, weightBytes * copies, 42);
        saneScales(weights, type);
        if (matmul instanceof InterleavedWeights interleaved) {
            MemorySegment packed = arena.allocate(weightBytes * copies, 64);
            for (int c = 0; c < copies; c++) {
                interleaved.pack(weights, weightBytes * c, K, N, packed, weightBytes * c);
            }
            weights = packed;
        }
        x = BenchMemory.randomFloats(arena, K, 7);
        prep = arena.allocate(Math.max(64, matmul.preparedBytes(1, K)), 64);
        y = arena.allocate(4L * N, 64);
        pool = new WorkerPool(threads);
        multiplyTask = (from, to, worker) -> matmul.multiply(weights, wOffset, K, prep, 0, 1, y, 0, N, from, to);
    }

    /** Random bytes make NaN and infinite fp16 scales; real files have small finite ones. */
    private static void saneScales(MemorySegment w, DType type) {
        SplittableRandom r = new SplittableRandom(3);
        long blocks = w.byteSize() / type.blockBytes();
        for (long b = 0; b < blocks; b++) {
            long blk = b * type.blockBytes();
            if (type == DType.Q6_K) {
                w.set(ValueLayout.JAVA_SHORT_UNALIGNED, blk + 208, Float.floatToFloat16((float) (r.nextDouble() * 0.01)));
            } else {
                w.set(ValueLayout.JAVA_SHORT_UNALIGNED, blk, Float.floatToFloat16((float) (r.nextDouble() * 0.01)));
                w.set(ValueLayout.JAVA_SHORT_UNALIGNED, blk + 2, Float.floatToFloat16((float) (r.nextDouble() * 0.01)));
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    /** Prepare the activations and multiply the next weight copy: one decode-step matvec. */
    @Benchmark
    public void matvec() {
        wOffset = weightBytes * next;
        next = next + 1 == copies ? 0 : next + 1;
        matmul.prepare(x, 0, K, 0, 1, prep, 0);
        pool.run(multiplyTask, N, 16);
    }

    /**
     * The float path for Q4_K, for comparison only: F32 activations copied in prepare into the order in which
     * nibbles come out of 64-byte int32 loads, each nibble vector converted to float and multiplied-added, the
     * sub-block scales applied per lane group, mins through per-sub-block activation sums.
     */
    static final class Q4_KFloatPath implements MatmulKernel {
        private static final VectorSpecies<Integer> I512 = IntVector.SPECIES_512;
        private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
        private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
        private static final VectorMask<Float> UPPER_HALF = VectorMask.fromLong(F512, 0xFF00L);
        private static final int BLOCK = 144;
        /** Per super-block: 8 sub-block sums of x, padded to 16 floats, then the 256 values permuted. */
        private static final int PREP_BLOCK = 4 * (16 + 256);
        private static final Q4_KMatmul DECODER = new Q4_KMatmul();

        @Override
        public DType weightType() {
            return DType.Q4_K;
        }

        @Override
        public void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n) {
            DECODER.decodeRow(w, wOffset, dst, dstOffset, n);
        }

        @Override
        public long preparedBytes(int t, int k) {
            return (long) t * (k / 256) * PREP_BLOCK;
        }

        /** Int lane m of nibble vector j of load h holds element 64 (2h + m / 8) + 32 (j odd) + 4 (m % 8) + j / 2. */
        @Override
        public void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset) {
            for (int r = from; r < to; r++) {
                for (int b = 0; b < k / 256; b++) {
                    long src = xOffset + 4L * ((long) r * k + 256L * b);
                    long dst = prepOffset + ((long) r * (k / 256) + b) * PREP_BLOCK;
                    for (int s = 0; s < 8; s++) {
                        float sum = 0;
                        for (int l = 0; l < 32; l++) {
                            sum += x.get(ValueLayout.JAVA_FLOAT_UNALIGNED, src + 4L * (32 * s + l));
                        }
                        prep.set(ValueLayout.JAVA_FLOAT_UNALIGNED, dst + 4L * s, sum);
                    }
                    for (int h = 0; h < 2; h++) {
                        for (int j = 0; j < 8; j++) {
                            for (int m = 0; m < 16; m++) {
                                int e = 64 * (2 * h + m / 8) + 32 * (j & 1) + 4 * (m % 8) + j / 2;
                                float v = x.get(ValueLayout.JAVA_FLOAT_UNALIGNED, src + 4L * e);
                                prep.set(ValueLayout.JAVA_FLOAT_UNALIGNED, dst + 64 + 4L * (128 * h + 16 * j + m), v);
                            }
                        }
                    }
                }
            }
        }

        @Override
        public void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                             MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo) {
            int blocks = k / 256;
            for (int i = rowFrom; i < rowTo; i++) {
                for (int j = 0; j < t; j++) {
                    float sum = rowDot(w, wOffset + (long) i * blocks * BLOCK, act,
                            actOffset + (long) j * blocks * PREP_BLOCK, blocks);
                    y.set(ValueLayout.JAVA_FLOAT_UNALIGNED, yOffset + 4L * ((long) j * yStride + i), sum);
                }
            }
        }

        private static float rowDot(MemorySegment w, long wRow, MemorySegment act, long aRow, int blocks) {
            FloatVector acc = FloatVector.zero(F512);
            float mins = 0;
            for (int b = 0; b < blocks; b++) {
                long wb = wRow + (long) b * BLOCK;
                long ab = aRow + (long) b * PREP_BLOCK;
                float d = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, wb));
                float dmin = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, wb + 2));
                for (int h = 0; h < 2; h++) {
                    IntVector q = IntVector.fromMemorySegment(I512, w, wb + 16 + 64 * h, LE);
                    long a = ab + 64 + 512L * h;
                    FloatVector even = FloatVector.zero(F512);
                    FloatVector odd = FloatVector.zero(F512);
                    for (int j = 0; j < 8; j += 2) {
                        FloatVector q0 = (FloatVector) q.lanewise(VectorOperators.LSHR, 4 * j).and(0xF)
                                .convert(VectorOperators.I2F, 0);
                        FloatVector q1 = (FloatVector) q.lanewise(VectorOperators.LSHR, 4 * j + 4).and(0xF)
                                .convert(VectorOperators.I2F, 0);
                        even = q0.fma(FloatVector.fromMemorySegment(F512, act, a + 64L * j, LE), even);
                        odd = q1.fma(FloatVector.fromMemorySegment(F512, act, a + 64L * j + 64, LE), odd);
                    }
                    FloatVector scEven = FloatVector.broadcast(F512, d * KQuantScales.scale(w, wb + 4, 4 * h))
                            .blend(d * KQuantScales.scale(w, wb + 4, 4 * h + 2), UPPER_HALF);
                    FloatVector scOdd = FloatVector.broadcast(F512, d * KQuantScales.scale(w, wb + 4, 4 * h + 1))
                            .blend(d * KQuantScales.scale(w, wb + 4, 4 * h + 3), UPPER_HALF);
                    acc = even.fma(scEven, acc);
                    acc = odd.fma(scOdd, acc);
                }
                for (int s = 0; s < 8; s++) {
                    mins += dmin * KQuantScales.min(w, wb + 4, s) * act.get(ValueLayout.JAVA_FLOAT_UNALIGNED, ab + 4L * s);
                }
            }
            return acc.reduceLanes(VectorOperators.ADD) - mins;
        }
    }
}
