package dev.smallmind.kernels;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * Multiplication of a weight matrix stored in one {@link DType} by F32 activations, plus decoding of weight rows.
 * One implementation per weight type, in two flavours: a Vector API kernel and a plain scalar reference that the
 * parity tests compare it against.
 *
 * <p>Layouts: the weight matrix has {@code n} rows of {@code k} elements, row {@code i} at
 * {@code wOffset + i * type.rowBytes(k)}. Activations are {@code t} contiguous rows of {@code k} floats. Output
 * {@code y} is {@code t} rows of floats with a row stride of {@code yStride} floats, and {@code y[j][i] =
 * dot(W[i], x[j])}.
 *
 * <p>Quantized types may first convert the activations into a prepared form (for example Q8_0 or Q8_K blocks for
 * integer dot products) once per multiplication: {@link #prepare} runs over token rows, possibly split across
 * workers, before {@link #multiply} runs over weight rows, also split across workers. When
 * {@link #preparedBytes} is 0, {@code multiply} reads the F32 activations directly and {@code prepare} does
 * nothing.
 *
 * <p>Implementations are stateless, allocate nothing, and validate nothing on the hot path: callers (graph
 * nodes) check shapes once when the graph is built.
 */
public interface MatmulKernel {
    /** @return the weight type this kernel reads */
    DType weightType();

    /**
     * Decodes {@code n} consecutive weight elements (a multiple of the block size) to F32.
     *
     * @param w         weights
     * @param wOffset   byte offset of the first block
     * @param dst       destination
     * @param dstOffset byte offset of the first float
     * @param n         element count
     */
    void decodeRow(MemorySegment w, long wOffset, MemorySegment dst, long dstOffset, int n);

    /**
     * Decodes weight rows {@code [rowFrom, rowTo)} of a matrix to F32 rows of {@code k} floats, one after another;
     * the form that also reads rows a kernel interleaved at load ({@link InterleavedWeights}, whole groups).
     *
     * @param w         weights
     * @param wOffset   byte offset of weight row 0
     * @param k         row length
     * @param rowFrom   first row decoded
     * @param rowTo     one past the last row decoded
     * @param dst       destination
     * @param dstOffset byte offset of the first decoded row
     */
    default void decodeRows(MemorySegment w, long wOffset, int k, int rowFrom, int rowTo, MemorySegment dst,
                            long dstOffset) {
        long rowBytes = weightType().rowBytes(k);
        for (int r = rowFrom; r < rowTo; r++) {
            decodeRow(w, wOffset + r * rowBytes, dst, dstOffset + 4L * (r - rowFrom) * k, k);
        }
    }

    /**
     * @param t activation rows
     * @param k row length
     * @return bytes of prepared activations, 0 when the kernel reads F32 activations as they are
     */
    long preparedBytes(int t, int k);

    /**
     * Converts activation rows {@code [from, to)} into the prepared form.
     *
     * @param x          F32 activations, {@code t} rows of {@code k}
     * @param xOffset    byte offset of row 0
     * @param k          row length
     * @param from       first row converted
     * @param to         one past the last row converted
     * @param prep       destination of the prepared form
     * @param prepOffset byte offset of prepared row 0
     */
    void prepare(MemorySegment x, long xOffset, int k, int from, int to, MemorySegment prep, long prepOffset);

    /**
     * Computes output rows {@code [rowFrom, rowTo)} of the weight matrix for all {@code t} activation rows.
     *
     * @param w         weights
     * @param wOffset   byte offset of weight row 0
     * @param k         row length
     * @param act       prepared activations, or the F32 activations when {@link #preparedBytes} is 0
     * @param actOffset byte offset of activation row 0
     * @param t         activation rows
     * @param y         output
     * @param yOffset   byte offset of {@code y[0][0]}
     * @param yStride   floats between output rows
     * @param rowFrom   first weight row
     * @param rowTo     one past the last weight row
     */
    void multiply(MemorySegment w, long wOffset, int k, MemorySegment act, long actOffset, int t,
                  MemorySegment y, long yOffset, int yStride, int rowFrom, int rowTo);
}
