package dev.smallmind.graph.ops;

import dev.smallmind.kernels.MatmulKernel;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Shape;
import dev.smallmind.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.StringEntry;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MatmulParts}: the operands' layout, the errors naming the node and the operand, and the reason the class
 * exists: {@link MatmulNode}'s class file holds no String constant, which HotSpot would resolve (allocate) on the
 * thread that first asks C2 to compile one of its methods, possibly inside a measured decode step.
 */
class MatmulPartsTest {
    private static final MatmulKernel F32 = MatmulKernels.forType(DType.F32);

    @Test
    void matmulNodeHoldsNoStringConstant() throws IOException {
        byte[] bytes;
        try (InputStream in = MatmulNode.class.getResourceAsStream("MatmulNode.class")) {
            assertNotNull(in, "MatmulNode.class on the class path");
            bytes = in.readAllBytes();
        }
        ClassModel model = ClassFile.of().parse(bytes);
        List<String> strings = new ArrayList<>();
        for (PoolEntry entry : model.constantPool()) {
            if (entry instanceof StringEntry s) {
                strings.add(s.stringValue());
            }
        }
        assertTrue(model.constantPool().size() > 100, "a parsed pool: " + model.constantPool().size() + " entries");
        assertEquals(List.of(), strings, "String constants in MatmulNode (move them to MatmulParts)");
    }

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
