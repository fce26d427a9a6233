package dev.smallmind.tensor;

import java.util.Arrays;

/**
 * Tensor dimensions, outermost first (row-major): a weight matrix with {@code n} output rows of {@code k} inputs
 * is {@code [n, k]}. GGUF stores dimensions innermost first; the reader reverses them.
 */
public final class Shape {
    private final long[] dims;

    private Shape(long[] dims) {
        this.dims = dims;
    }

    /**
     * @param dims sizes, outermost first; 1 to 4 dimensions, each >= 0
     * @return the shape
     */
    public static Shape of(long... dims) {
        if (dims.length < 1 || dims.length > 4) {
            throw new IllegalArgumentException("a shape has 1 to 4 dimensions, got " + dims.length);
        }
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
            }
        }
        return new Shape(dims.clone());
    }

    /** @return number of dimensions */
    public int rank() {
        return dims.length;
    }

    /**
     * @param i dimension index, 0 = outermost
     * @return its size
     */
    public long dim(int i) {
        return dims[i];
    }

    /** @return size of the innermost (contiguous) dimension */
    public long last() {
        return dims[dims.length - 1];
    }

    /** @return product of all dimensions but the innermost: the number of rows */
    public long rows() {
        long r = 1;
        for (int i = 0; i < dims.length - 1; i++) {
            r = Math.multiplyExact(r, dims[i]);
        }
        return r;
    }

    /** @return product of all dimensions */
    public long elements() {
        return Math.multiplyExact(rows(), last());
    }

    /**
     * @param i    dimension to replace
     * @param size new size
     * @return a copy with dimension {@code i} set to {@code size}
     */
    public Shape with(int i, long size) {
        long[] d = dims.clone();
        d[i] = size;
        return of(d);
    }

    /** @return a copy of the dimensions, outermost first */
    public long[] toArray() {
        return dims.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
