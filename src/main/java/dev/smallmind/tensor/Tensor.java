package dev.smallmind.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A typed, shaped view of off-heap memory: segment + byte offset + {@link DType} + {@link Shape} + byte strides.
 * The innermost dimension is always contiguous (quantized blocks cannot be strided); outer dimensions may be
 * strided, so {@link #row}, {@link #slice} and {@link #reshape} make views without copying.
 *
 * <p>Construction validates that every addressed byte lies inside the segment, so kernels handed a tensor
 * never read out of bounds. Tensors are descriptions built at load or planning time, not on the hot path.
 */
public final class Tensor {
    private final String name;
    private final MemorySegment segment;
    private final long offset;
    private final DType type;
    private final Shape shape;
    private final long[] strides;
    private final boolean interleaved;

    private Tensor(String name, MemorySegment segment, long offset, DType type, Shape shape, long[] strides,
                   boolean interleaved) {
        this.interleaved = interleaved;
        this.name = name;
        this.segment = segment;
        this.offset = offset;
        this.type = type;
        this.shape = shape;
        this.strides = strides;
        validate();
    }

    /**
     * A contiguous tensor.
     *
     * @param name    used in error messages
     * @param segment memory holding it
     * @param offset  byte offset of element 0
     * @param type    element type
     * @param shape   dimensions, outermost first; the innermost must be a multiple of the type's block size
     * @return the tensor
     * @throws IllegalArgumentException when the data does not fit in the segment or rows split a block
     */
    public static Tensor of(String name, MemorySegment segment, long offset, DType type, Shape shape) {
        long[] strides = new long[shape.rank()];
        long rowBytes = rowBytes(name, type, shape.last());
        long stride = rowBytes;
        strides[shape.rank() - 1] = type.blockBytes();
        for (int i = shape.rank() - 2; i >= 0; i--) {
            strides[i] = stride;
            stride = Math.multiplyExact(stride, shape.dim(i));
        }
        return new Tensor(name, segment, offset, type, shape, strides, false);
    }

    /**
     * The same matrix with groups of rows interleaved by its type's interleaving kernel
     * ({@code kernels.InterleavedWeights}): a group takes the bytes of its rows, so only that kernel can find a row
     * inside it, and row slices must keep to whole groups.
     *
     * @param interleavedSegment memory holding the interleaved rows
     * @param interleavedOffset  byte offset of the first group
     * @return the interleaved tensor
     * @throws IllegalArgumentException when this tensor is strided
     */
    public Tensor interleavedAt(MemorySegment interleavedSegment, long interleavedOffset) {
        if (!isContiguous()) {
            throw new IllegalArgumentException("tensor '" + name + "' is strided and cannot be interleaved");
        }
        return new Tensor(name, interleavedSegment, interleavedOffset, type, shape, strides.clone(), true);
    }

    /** @return whether groups of rows are interleaved ({@link #interleavedAt}) rather than in GGUF's row order */
    public boolean interleaved() {
        return interleaved;
    }

    private static long rowBytes(String name, DType type, long elements) {
        try {
            return type.rowBytes(elements);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage(), e);
        }
    }

    /**
     * @param type element type
     * @param shape dimensions
     * @return bytes a contiguous tensor of this type and shape takes
     */
    public static long byteSize(DType type, Shape shape) {
        return Math.multiplyExact(type.rowBytes(shape.last()), shape.rows());
    }

    private void validate() {
        if (offset < 0) {
            throw new IllegalArgumentException("tensor '" + name + "': negative offset " + offset);
        }
        long extent = extent();
        if (offset > segment.byteSize() || extent > segment.byteSize() - offset) {
            throw new IllegalArgumentException("tensor '" + name + "' " + type + shape + " needs bytes ["
                    + offset + ", " + (offset + extent) + ") but its segment has " + segment.byteSize() + " bytes");
        }
    }

    private long extent() {
        for (int i = 0; i < shape.rank(); i++) {
            if (shape.dim(i) == 0) {
                return 0;
            }
        }
        long end = type.rowBytes(shape.last());
        for (int i = 0; i < shape.rank() - 1; i++) {
            end = Math.addExact(end, Math.multiplyExact(strides[i], shape.dim(i) - 1));
        }
        return end;
    }

    /** @return the tensor's name */
    public String name() {
        return name;
    }

    /** @return the memory it views */
    public MemorySegment segment() {
        return segment;
    }

    /** @return byte offset of the first element in {@link #segment()} */
    public long offset() {
        return offset;
    }

    /** @return element type */
    public DType type() {
        return type;
    }

    /** @return dimensions */
    public Shape shape() {
        return shape;
    }

    /**
     * @param dim dimension index
     * @return bytes between consecutive indices of that dimension
     */
    public long stride(int dim) {
        return strides[dim];
    }

    /** @return bytes of one innermost row */
    public long rowBytes() {
        return type.rowBytes(shape.last());
    }

    /** @return true when rows follow each other with no gaps */
    public boolean isContiguous() {
        long expected = rowBytes();
        for (int i = shape.rank() - 2; i >= 0; i--) {
            if (strides[i] != expected) {
                return false;
            }
            expected *= shape.dim(i);
        }
        return true;
    }

    /**
     * The {@code i}-th slice along the outermost dimension, one rank lower (a rank-1 tensor gives itself back
     * only when {@code i == 0} is meaningless, so rank 1 is rejected).
     *
     * @param i index in the outermost dimension
     * @return the view
     */
    public Tensor row(long i) {
        requireGgufLayout("a row");
        if (shape.rank() < 2) {
            throw new IllegalArgumentException("tensor '" + name + "' " + shape + " has no rows to index");
        }
        checkIndex(0, i, i + 1);
        long[] d = new long[shape.rank() - 1];
        long[] s = new long[d.length];
        for (int k = 0; k < d.length; k++) {
            d[k] = shape.dim(k + 1);
            s[k] = strides[k + 1];
        }
        return new Tensor(name + "[" + i + "]", segment, offset + i * strides[0], type, Shape.of(d), s, interleaved);
    }

    /**
     * A view of indices {@code [from, to)} of one dimension. Slicing the innermost dimension must keep whole
     * blocks.
     *
     * @param dim  dimension to slice
     * @param from first index kept
     * @param to   one past the last index kept
     * @return the view
     */
    public Tensor slice(int dim, long from, long to) {
        requireGgufLayout("a slice");
        checkIndex(dim, from, to);
        if (dim == shape.rank() - 1 && (from % type.blockSize() != 0 || to % type.blockSize() != 0)) {
            throw new IllegalArgumentException("tensor '" + name + "': slice [" + from + ", " + to
                    + ") of the innermost dimension splits " + type + " blocks of " + type.blockSize());
        }
        long start = offset + (dim == shape.rank() - 1 ? from / type.blockSize() * type.blockBytes()
                : from * strides[dim]);
        return new Tensor(name, segment, start, type, shape.with(dim, to - from), strides.clone(), interleaved);
    }

    /**
     * A view with another shape over the same contiguous elements.
     *
     * @param newShape the new dimensions; same element count and block-aligned innermost size
     * @return the view
     */
    public Tensor reshape(Shape newShape) {
        if (!isContiguous()) {
            throw new IllegalArgumentException("tensor '" + name + "' is strided and cannot be reshaped");
        }
        if (newShape.elements() != shape.elements()) {
            throw new IllegalArgumentException("tensor '" + name + "': cannot reshape " + shape + " ("
                    + shape.elements() + " elements) to " + newShape + " (" + newShape.elements() + ")");
        }
        requireGgufLayout("a reshaped view");
        return of(name, segment, offset, type, newShape);
    }

    /** Views index elements by GGUF's layout; inside interleaved groups they would name the wrong bytes. */
    private void requireGgufLayout(String view) {
        if (interleaved) {
            throw new IllegalArgumentException("tensor '" + name + "' has its rows interleaved at load: " + view
                    + " of it cannot be addressed");
        }
    }

    /**
     * @param expected the type a consumer needs
     * @return this tensor
     * @throws IllegalArgumentException naming the tensor when the type differs
     */
    public Tensor requireType(DType expected) {
        if (type != expected) {
            throw new IllegalArgumentException("tensor '" + name + "': expected type " + expected + ", got " + type);
        }
        return this;
    }

    /**
     * @param expected the shape a consumer needs
     * @return this tensor
     * @throws IllegalArgumentException naming the tensor when the shape differs
     */
    public Tensor requireShape(Shape expected) {
        if (!shape.equals(expected)) {
            throw new IllegalArgumentException(
                    "tensor '" + name + "': expected shape " + expected + ", got " + shape);
        }
        return this;
    }

    private void checkIndex(int dim, long from, long to) {
        if (dim < 0 || dim >= shape.rank() || from < 0 || to < from || to > shape.dim(dim)) {
            throw new IllegalArgumentException("tensor '" + name + "' " + shape + ": index range [" + from + ", "
                    + to + ") out of bounds in dimension " + dim);
        }
    }

    @Override
    public String toString() {
        return name + " " + type + shape + (interleaved ? " (interleaved)" : "");
    }
}
