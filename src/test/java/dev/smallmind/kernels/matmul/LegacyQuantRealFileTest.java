package dev.smallmind.kernels.matmul;

import dev.smallmind.SharedData;
import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.model.gguf.GgufTensorInfo;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The kernels on blocks ggml wrote: every quantized tensor of the mini models decodes (vector kernel, reading the
 * mapped file) to within the quantizer's rounding error of mini-f32's values, and a matmul over a real tensor
 * agrees with the float64 block formula.
 */
class LegacyQuantRealFileTest {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    static Stream<Arguments> files() {
        return Stream.of(
                Arguments.of("mini-q8_0.gguf", new Q8_0Matmul()),
                Arguments.of("mini-q4_0.gguf", new Q4_0Matmul()),
                Arguments.of("mini-q4_1.gguf", new Q4_1Matmul()),
                Arguments.of("mini-q5_0.gguf", new Q5_0Matmul()));
    }

    /**
     * Largest decoding error ggml's rounding allows in a block: half a step ({@code d/2}), a whole step where
     * Q4_0/Q5_0 clamp the most negative level, plus the fp16 rounding of {@code d} (at most 2^-11 relative,
     * times the largest quant) and of {@code m}.
     */
    private static double bound(DType type, double d, double m) {
        double fp16 = Math.ulp(1f) * 0x1p12; // 2^-11
        return switch (type) {
            case Q8_0 -> Math.abs(d) * (0.5 + 128 * fp16);
            case Q4_0 -> Math.abs(d) * (1 + 8 * fp16);
            case Q5_0 -> Math.abs(d) * (1 + 16 * fp16);
            case Q4_1 -> Math.abs(d) * (0.5 + 16 * fp16) + Math.abs(m) * fp16;
            default -> throw new IllegalArgumentException(type.toString());
        } + 1e-7;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void decodedTensorsStayWithinRoundingOfTheSource(String file, MatmulKernel kernel) throws IOException {
        DType type = kernel.weightType();
        try (GgufFile f32 = GgufFile.open(SharedData.require("models/synthetic/mini-f32.gguf"));
             GgufFile quantized = GgufFile.open(SharedData.require("models/synthetic/" + file));
             Arena arena = Arena.ofShared()) {
            int tensors = 0;
            for (GgufTensorInfo info : quantized.tensors()) {
                if (info.type() != type) {
                    continue;
                }
                Tensor q = quantized.tensor(info.name());
                Tensor source = f32.tensor(info.name());
                int k = Math.toIntExact(q.shape().last());
                long rows = q.shape().rows();
                MemorySegment row = arena.allocate((long) k * Float.BYTES, 64);
                double worst = 0;
                for (long r = 0; r < rows; r++) {
                    long wr = q.offset() + r * q.rowBytes();
                    kernel.decodeRow(q.segment(), wr, row, 0, k);
                    for (int e = 0; e < k; e++) {
                        long wb = wr + (long) (e / 32) * type.blockBytes();
                        double d = Float64Dot.f16(q.segment(), wb);
                        double m = type == DType.Q4_1 ? Float64Dot.f16(q.segment(), wb + 2) : 0;
                        double err = Math.abs(row.get(FLOAT, e * 4L)
                                - source.segment().get(FLOAT, source.offset() + (r * k + e) * 4));
                        if (err > bound(type, d, m)) {
                            fail(info.name() + " row " + r + " element " + e + ": decoded value off by " + err
                                    + ", block scale " + d);
                        }
                        worst = Math.max(worst, err);
                    }
                }
                assertTrue(worst > 0, info.name() + " decoded exactly: the test would not see a wrong layout");
                tensors++;
            }
            assertTrue(tensors >= 22, "quantized tensors checked in " + file + ": " + tensors);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void matmulOverARealTensorMatchesFloat64(String file, MatmulKernel kernel) throws IOException {
        DType type = kernel.weightType();
        int t = 5;
        try (GgufFile quantized = GgufFile.open(SharedData.require("models/synthetic/" + file));
             Arena arena = Arena.ofShared()) {
            Tensor w = quantized.tensor("blk.1.ffn_down.weight").requireType(type);
            int k = Math.toIntExact(w.shape().last());
            int n = Math.toIntExact(w.shape().rows());
            MemorySegment x = LegacyQuantMatmulTest.randomFloats(arena, t * k, 0, 21);
            MemorySegment prep = arena.allocate(kernel.preparedBytes(t, k), 64);
            kernel.prepare(x, 0, k, 0, t, prep, 0);
            MemorySegment y = arena.allocate((long) t * n * Float.BYTES, 64);
            kernel.multiply(w.segment(), w.offset(), k, prep, 0, t, y, 0, n, 0, n);
            long prepRow = kernel.preparedBytes(1, k);
            for (int j = 0; j < t; j++) {
                for (int i = 0; i < n; i++) {
                    double[] exact = Float64Dot.dot(type, w.segment(), w.offset() + i * w.rowBytes(), k, prep,
                            j * prepRow);
                    double tol = (k / 32 + 48) * Math.ulp(1f) * exact[1] + 1e-30;
                    assertEquals(exact[0], y.get(FLOAT, ((long) j * n + i) * 4), tol, "row " + i + " token " + j);
                }
            }
        }
    }
}
