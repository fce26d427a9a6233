package dev.smallmind.tensor;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorTest {
    private static final Arena ARENA = Arena.ofShared();

    @AfterAll
    static void close() {
        ARENA.close();
    }

    private static void assertMessage(IllegalArgumentException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention " + p);
        }
    }

    @Test
    void contiguousTensorLayout() {
        MemorySegment s = ARENA.allocate(64 + 3 * 4 * 5 * 4, 64);
        Tensor t = Tensor.of("x", s, 64, DType.F32, Shape.of(3, 4, 5));
        assertEquals(80, t.stride(0));
        assertEquals(20, t.stride(1));
        assertEquals(4, t.stride(2));
        assertEquals(20, t.rowBytes());
        assertTrue(t.isContiguous());
        assertEquals(240, Tensor.byteSize(DType.F32, Shape.of(3, 4, 5)));
        assertEquals("x F32[3, 4, 5]", t.toString());
        Tensor q = Tensor.of("w", ARENA.allocate(2 * 34), 0, DType.Q8_0, Shape.of(2, 32));
        assertEquals(34, q.rowBytes());
        assertEquals(34, q.stride(0));
    }

    @Test
    void interleavedMatricesRefuseViewsThatAddressRows() {
        Tensor w = Tensor.of("blk.0.ffn_up.weight", ARENA.allocate(32L * 18 * 2), 0, DType.Q4_0, Shape.of(32, 64));
        Tensor copy = w.interleavedAt(ARENA.allocate(32L * 18 * 2), 0);
        assertTrue(copy.interleaved() && !w.interleaved());
        assertEquals("blk.0.ffn_up.weight Q4_0[32, 64] (interleaved)", copy.toString());
        assertMessage(assertThrows(IllegalArgumentException.class, () -> copy.row(3)), "blk.0.ffn_up.weight",
                "interleaved");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> copy.slice(0, 16, 32)), "interleaved");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> copy.reshape(Shape.of(2048))),
                "interleaved");
        w.row(3);
    }

    @Test
    void tensorsThatDoNotFitTheirSegmentAreRejectedByName() {
        MemorySegment s = ARENA.allocate(100);
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Tensor.of("blk.0.attn_q.weight", s, 0, DType.F32, Shape.of(5, 6))), "blk.0.attn_q.weight", "100");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Tensor.of("tok", s, 8, DType.F32, Shape.of(24))), "tok");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Tensor.of("neg", s, -4, DType.F32, Shape.of(1))), "neg");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Tensor.of("q", s, 0, DType.Q4_0, Shape.of(1, 33))), "q", "33");
        Tensor.of("exact", s, 4, DType.F32, Shape.of(24));
        Tensor.of("empty", s, 100, DType.F32, Shape.of(0, 7));
    }

    @Test
    void rowsAndSlicesAreViewsOverTheSameMemory() {
        MemorySegment s = ARENA.allocate(4 * 6 * 8, 64);
        Tensor t = Tensor.of("m", s, 0, DType.F32, Shape.of(6, 8));
        Tensor row = t.row(2);
        assertSame(s, row.segment());
        assertEquals(2 * 32, row.offset());
        assertEquals(Shape.of(8), row.shape());
        assertEquals("m[2]", row.name());
        row.segment().set(ValueLayout.JAVA_FLOAT, row.offset() + 4, 42f);
        assertEquals(42f, s.get(ValueLayout.JAVA_FLOAT, 2 * 32 + 4), "writes through a row view reach the tensor");

        Tensor rows = t.slice(0, 1, 4);
        assertSame(s, rows.segment());
        assertEquals(32, rows.offset());
        assertEquals(Shape.of(3, 8), rows.shape());
        assertTrue(rows.isContiguous());

        Tensor cols = t.slice(1, 2, 6);
        assertEquals(8, cols.offset());
        assertEquals(Shape.of(6, 4), cols.shape());
        assertEquals(32, cols.stride(0), "row stride kept: the column slice is strided");
        assertFalse(cols.isContiguous());
        assertEquals(42f, cols.segment().get(ValueLayout.JAVA_FLOAT, cols.offset() + 2 * cols.stride(0) - 4));
    }

    @Test
    void reshapeIsAViewAndKeepsTheElementCount() {
        MemorySegment s = ARENA.allocate(4 * 24, 64);
        Tensor t = Tensor.of("h", s, 0, DType.F32, Shape.of(2, 12));
        Tensor r = t.reshape(Shape.of(2, 3, 4));
        assertSame(s, r.segment());
        assertEquals(0, r.offset());
        assertEquals(16, r.stride(1));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> t.reshape(Shape.of(5, 5))), "h", "25");
        Tensor cols = t.slice(1, 0, 6);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> cols.reshape(Shape.of(12))), "h", "strided");
    }

    @Test
    void outOfBoundsAndBlockSplittingSlicesAreRejectedByName() {
        MemorySegment s = ARENA.allocate(4 * 34, 64);
        Tensor q = Tensor.of("ffn_down", s, 0, DType.Q8_0, Shape.of(2, 64));
        assertEquals(34, q.slice(1, 32, 64).offset());
        assertMessage(assertThrows(IllegalArgumentException.class, () -> q.slice(1, 16, 48)), "ffn_down", "splits");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> q.slice(1, 0, 96)), "ffn_down", "out of bounds");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> q.slice(0, 1, 3)), "ffn_down");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> q.slice(0, 2, 1)), "ffn_down");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> q.slice(2, 0, 1)), "ffn_down");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> q.row(2)), "ffn_down");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> q.row(-1)), "ffn_down");
        Tensor v = Tensor.of("norm", s, 0, DType.F32, Shape.of(8));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> v.row(0)), "norm");
    }

    @Test
    void requireTypeAndShapeNameTheTensor() {
        Tensor t = Tensor.of("output_norm", ARENA.allocate(16), 0, DType.F32, Shape.of(4));
        assertSame(t, t.requireType(DType.F32).requireShape(Shape.of(4)));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> t.requireType(DType.F16)),
                "output_norm", "F16", "F32");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> t.requireShape(Shape.of(2, 2))),
                "output_norm", "[2, 2]", "[4]");
    }
}
