package dev.smallmind.model.gguf;

import dev.smallmind.tensor.DType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes a GGUF v3 file the way llama.cpp lays one out: header, metadata in the order added, tensor infos in
 * the order added, zero padding to the alignment, then each tensor's data at an aligned offset followed by zero
 * padding to the alignment. A file without tensors ends right after its metadata, as llama.cpp's vocab-only
 * files do.
 *
 * <p>Tensor data is streamed: each tensor's {@link GgufTensorData} fills its window of the output file's
 * mapping, so a model of any size never passes through the heap. Only the header is built in memory.
 *
 * <p>The alignment is 32 unless {@code general.alignment} is put (as a UINT32 power of two, the type llama.cpp
 * requires).
 */
public final class GgufWriter {
    /** ggml's limit on tensor name length in bytes, including the terminating zero it stores. */
    static final int MAX_NAME_BYTES = 64;

    private final LinkedHashMap<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();
    private long alignment = GgufParser.DEFAULT_ALIGNMENT;

    private record PendingTensor(String name, DType type, long[] dims, long byteSize, GgufTensorData data) {
    }

    /** Creates an empty writer. */
    public GgufWriter() {
    }

    /**
     * Adds a metadata pair; pairs are written in the order added.
     *
     * @param key   the key, not yet added
     * @param value the value
     * @return this writer
     * @throws IllegalArgumentException on a duplicate key, or a {@code general.alignment} that is not a UINT32
     *                                  power of two
     */
    public GgufWriter put(String key, GgufValue value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (metadata.containsKey(key)) {
            throw new IllegalArgumentException("metadata key '" + key + "' is already set");
        }
        if (key.equals(GgufParser.ALIGNMENT_KEY)) {
            if (value.type() != GgufType.UINT32 || Long.bitCount(value.asLong()) != 1
                    || value.asLong() > GgufParser.MAX_ALIGNMENT) {
                throw new IllegalArgumentException(GgufParser.ALIGNMENT_KEY
                        + " must be a UINT32 power of two up to " + GgufParser.MAX_ALIGNMENT + ", got " + value);
            }
            alignment = value.asLong();
        }
        metadata.put(key, value);
        return this;
    }

    /**
     * Adds all metadata of a file, in its order.
     *
     * @param source an open GGUF file
     * @return this writer
     */
    public GgufWriter putAll(GgufFile source) {
        for (String key : source.keys()) {
            put(key, source.value(key));
        }
        return this;
    }

    /**
     * Adds a tensor whose data a callback streams into the file.
     *
     * @param name tensor name, unique, shorter than 64 UTF-8 bytes (ggml's limit)
     * @param type element type
     * @param dims dimensions in GGUF order, innermost first; 1 to 4, each >= 1, the first a multiple of the
     *             type's block size
     * @param data fills the tensor's bytes
     * @return this writer
     * @throws IllegalArgumentException naming the tensor when any of that is violated
     */
    public GgufWriter addTensor(String name, DType type, long[] dims, GgufTensorData data) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        long[] d = dims.clone();
        String what = "tensor '" + name + "'";
        if (name.getBytes(StandardCharsets.UTF_8).length >= MAX_NAME_BYTES) {
            throw new IllegalArgumentException(what + ": name is longer than ggml's " + (MAX_NAME_BYTES - 1) + " bytes");
        }
        if (tensorNames.contains(name)) {
            throw new IllegalArgumentException(what + " is already added");
        }
        if (d.length < 1 || d.length > GgufParser.MAX_DIMS) {
            throw new IllegalArgumentException(what + ": expected 1.." + GgufParser.MAX_DIMS + " dimensions, got "
                    + d.length);
        }
        long byteSize;
        try {
            byteSize = type.rowBytes(d[0]);
            for (int i = 0; i < d.length; i++) {
                if (d[i] < 1) {
                    throw new IllegalArgumentException(what + ": dimension " + i + " must be >= 1, got " + d[i]);
                }
                if (i > 0) {
                    byteSize = Math.multiplyExact(byteSize, d[i]);
                }
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(what + ": byte size overflows 64 bits", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
        tensorNames.add(name);
        tensors.add(new PendingTensor(name, type, d, byteSize, data));
        return this;
    }

    /**
     * Adds a tensor copied from a segment (e.g. a view of another mapped file).
     *
     * @param name   tensor name
     * @param type   element type
     * @param dims   dimensions in GGUF order, innermost first
     * @param source exactly the tensor's bytes
     * @return this writer
     * @throws IllegalArgumentException when the source size differs from the tensor's byte size
     */
    public GgufWriter addTensor(String name, DType type, long[] dims, MemorySegment source) {
        Objects.requireNonNull(source, "source");
        addTensor(name, type, dims, target -> target.copyFrom(source));
        long expected = tensors.getLast().byteSize();
        if (source.byteSize() != expected) {
            tensors.removeLast();
            tensorNames.remove(name);
            throw new IllegalArgumentException("tensor '" + name + "': source has " + source.byteSize()
                    + " bytes, expected " + expected);
        }
        return this;
    }

    /** @return the data alignment the file will use */
    public long alignment() {
        return alignment;
    }

    /**
     * Writes the file, replacing any existing one. On failure the partial file is deleted. The file is written
     * through a mapping, where a full disk would surface as a fault in the middle of a copy, so the space is checked
     * first.
     *
     * @param path where to write
     * @throws IOException when the file's disk has less usable space than the file needs, writing fails, or a
     *                     tensor source throws
     */
    public void write(Path path) throws IOException {
        HeaderBuffer header = header();
        long dataOffset = tensors.isEmpty() ? header.size() : align(header.size());
        long total = dataOffset;
        for (PendingTensor t : tensors) {
            total = Math.addExact(total, align(t.byteSize()));
        }
        Path absolute = path.toAbsolutePath();
        long replaced = Files.isRegularFile(absolute) ? Files.size(absolute) : 0;
        long usable = Files.getFileStore(absolute.getParent()).getUsableSpace();
        if (total > usable + replaced) {
            throw new IOException(path + " needs " + total + " bytes, but its disk has " + usable + " bytes free");
        }
        boolean done = false;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment out = channel.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
            MemorySegment.copy(header.segment(), 0, out, 0, header.size());
            out.asSlice(header.size(), dataOffset - header.size()).fill((byte) 0);
            long at = dataOffset;
            for (PendingTensor t : tensors) {
                t.data().writeTo(out.asSlice(at, t.byteSize()));
                long padded = align(t.byteSize());
                out.asSlice(at + t.byteSize(), padded - t.byteSize()).fill((byte) 0);
                at += padded;
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(path);
            }
        }
    }

    private HeaderBuffer header() {
        HeaderBuffer b = new HeaderBuffer();
        b.u32(GgufParser.MAGIC);
        b.u32(3);
        b.u64(tensors.size());
        b.u64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            b.string(e.getKey());
            b.u32(e.getValue().type().id());
            value(b, e.getValue());
        }
        long offset = 0;
        for (PendingTensor t : tensors) {
            b.string(t.name());
            b.u32(t.dims().length);
            for (long d : t.dims()) {
                b.u64(d);
            }
            b.u32(t.type().ggmlId());
            b.u64(offset);
            offset = Math.addExact(offset, align(t.byteSize()));
        }
        return b;
    }

    private static void value(HeaderBuffer b, GgufValue v) {
        switch (v.type()) {
            case UINT8, INT8 -> b.u8((int) v.asLong());
            case UINT16, INT16 -> b.u16((int) v.asLong());
            case UINT32, INT32 -> b.u32((int) v.asLong());
            case UINT64, INT64 -> b.u64(v.asLong());
            case FLOAT32 -> b.f32((float) v.asUnsignedDouble());
            case FLOAT64 -> b.f64(v.asUnsignedDouble());
            case BOOL -> b.u8(v.asBoolean() ? 1 : 0);
            case STRING -> b.string(v.asString());
            case ARRAY -> array(b, v);
        }
    }

    private static void array(HeaderBuffer b, GgufValue v) {
        GgufType element = v.elementType();
        Object a = v.arrayView();
        int n = v.length();
        b.u32(element.id());
        b.u64(n);
        switch (element) {
            case BOOL -> {
                for (boolean x : (boolean[]) a) {
                    b.u8(x ? 1 : 0);
                }
            }
            case STRING -> {
                for (String s : (String[]) a) {
                    b.string(s);
                }
            }
            case ARRAY -> {
                for (GgufValue nested : (GgufValue[]) a) {
                    array(b, nested);
                }
            }
            default -> b.array(a, HeaderBuffer.layoutOf(element), n);
        }
    }

    private long align(long n) {
        return Math.addExact(n, alignment - 1) / alignment * alignment;
    }
}
