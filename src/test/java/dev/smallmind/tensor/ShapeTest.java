package dev.smallmind.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ShapeTest {
    @Test
    void dimensionsRowsAndElements() {
        Shape s = Shape.of(2, 3, 4);
        assertEquals(3, s.rank());
        assertEquals(2, s.dim(0));
        assertEquals(4, s.last());
        assertEquals(6, s.rows());
        assertEquals(24, s.elements());
        assertEquals(1, Shape.of(7).rows());
        assertEquals(7, Shape.of(7).elements());
        assertEquals(0, Shape.of(5, 0).elements());
        assertEquals("[2, 3, 4]", s.toString());
    }

    @Test
    void ranksOneToFourOnlyAndNoNegativeDimensions() {
        assertThrows(IllegalArgumentException.class, Shape::of);
        assertThrows(IllegalArgumentException.class, () -> Shape.of(1, 2, 3, 4, 5));
        assertThrows(IllegalArgumentException.class, () -> Shape.of(3, -1));
        assertEquals(4, Shape.of(1, 2, 3, 4).rank());
    }

    @Test
    void isImmutable() {
        long[] dims = {2, 3};
        Shape s = Shape.of(dims);
        dims[0] = 99;
        assertEquals(2, s.dim(0), "of() copies its argument");
        s.toArray()[1] = 99;
        assertEquals(3, s.dim(1), "toArray() returns a copy");
        Shape t = s.with(0, 5);
        assertArrayEquals(new long[] {5, 3}, t.toArray());
        assertArrayEquals(new long[] {2, 3}, s.toArray());
        assertThrows(IllegalArgumentException.class, () -> s.with(1, -2));
    }

    @Test
    void valueEquality() {
        assertEquals(Shape.of(2, 3), Shape.of(2, 3));
        assertEquals(Shape.of(2, 3).hashCode(), Shape.of(2, 3).hashCode());
        assertNotEquals(Shape.of(2, 3), Shape.of(3, 2));
        assertNotEquals(Shape.of(6), Shape.of(1, 6));
    }

    @Test
    void overflowingElementCountsAreDetected() {
        Shape huge = Shape.of(1L << 32, 1L << 32, 1L << 32);
        assertThrows(ArithmeticException.class, huge::elements);
    }
}
