package dev.smallmind.model.gguf;

import dev.smallmind.tensor.DType;
import dev.smallmind.tensor.Shape;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor's entry in a GGUF file's tensor table.
 *
 * @param name     tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param type     element type
 * @param dims     dimensions in GGUF order, innermost (contiguous) first; {@link #shape()} reverses them
 * @param offset   start of the data relative to {@link GgufFile#dataOffset()}
 * @param byteSize bytes of data
 */
public record GgufTensorInfo(String name, DType type, long[] dims, long offset, long byteSize) {
    /** Copies {@code dims} so the record stays immutable. */
    public GgufTensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        dims = dims.clone();
    }

    /** @return a copy of the dimensions, innermost first */
    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** @return the dimensions outermost first, as the engine's tensors use them */
    public Shape shape() {
        long[] reversed = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            reversed[i] = dims[dims.length - 1 - i];
        }
        return Shape.of(reversed);
    }

    /** @return product of the dimensions */
    public long elements() {
        long n = 1;
        for (long d : dims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type && Arrays.equals(dims, t.dims)
                && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(dims), offset, byteSize);
    }

    @Override
    public String toString() {
        return name + " " + type + Arrays.toString(dims) + " @" + offset + " (" + byteSize + " bytes)";
    }
}
