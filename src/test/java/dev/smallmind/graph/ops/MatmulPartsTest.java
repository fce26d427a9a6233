package dev.smallmind.graph.ops;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Shape;
import dev.smallmind.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MatmulParts}: the operands' layout and the errors naming the node and the operand (that {@link MatmulNode}
 * itself then holds no String constant is {@code graph.StepClassStringsTest}'s).
 */
class MatmulPartsTest {
    private static final MatmulKernel F32 = MatmulKernels.forType(DType.F32);

    @Test
    void partsAreLaidEndToEnd() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = weights(arena, "a", 48, 64);
            Tensor b = weights(arena, "b", 16, 64);
            MatmulParts parts = new MatmulParts("qk", F32, new Tensor[] {a, b}, null, new int[] {0, 48}, 64);
            assertEquals(64, parts.k);
            assertArrayEquals(new int[] {0, 48, 64}, parts.firstRow);
            assertArrayEquals(new int[] {0, 48}, parts.columns);
            assertEquals(a.offset(), parts.weightOffsets[0]);
        }
    }

    @Test
    void misfitsNameTheNodeAndTheOperand() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = weights(arena, "a", 48, 64);
            Tensor narrow = weights(arena, "narrow", 16, 32);
            IllegalArgumentException columns = assertThrows(IllegalArgumentException.class,
                    () -> new MatmulParts("qkv", F32, new Tensor[] {a}, null, new int[] {0, 8}, 64));
            assertEquals("node 'qkv': 1 weights need as many columns and biases", columns.getMessage());
            IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                    () -> new MatmulParts("qkv", F32, new Tensor[] {a, narrow}, null, new int[] {0, 48}, 64));
            assertTrue(width.getMessage().startsWith("node 'qkv': weight ")
                    && width.getMessage().contains("narrow")
                    && width.getMessage().endsWith(" must be a contiguous matrix with 64 columns"), width.getMessage());
            IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
                    () -> new MatmulParts("out", F32, new Tensor[] {a}, null, new int[] {20}, 64));
            assertEquals("node 'out': 48 outputs of a at column 20 exceed the output row of 64", wide.getMessage());
        }
    }

    private static Tensor weights(Arena arena, String name, int rows, int k) {
        return Tensor.of(name, arena.allocate(4L * rows * k, 64), 0, DType.F32, Shape.of(rows, k));
    }
}
