package dev.smallmind.model.gguf;

import dev.smallmind.memory.MappedFile;
import dev.smallmind.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

/**
 * A GGUF file (v2 or v3) mapped read-only: validated metadata and tensor table, and tensors as {@link Tensor}
 * views straight over the mapping (weights are never copied to the heap; files over 2 GB work).
 *
 * <p>{@link #open} validates the whole header before returning; every malformation is a
 * {@link GgufFormatException} naming the file offset. Typed getters throw the same exception, naming the key,
 * when a key is missing or holds the wrong type. Closing unmaps the file and invalidates every tensor view.
 */
public final class GgufFile implements AutoCloseable {
    private final Path path;
    private final String name;
    private final MemorySegment segment;
    /** The mapping this file owns, or null for an image the caller owns ({@link #of}). */
    private final MappedFile mapping;
    private final GgufHeader header;
    private final List<String> keys;
    private boolean closed;

    private GgufFile(Path path, MemorySegment segment, MappedFile mapping, GgufHeader header) {
        this.path = path;
        this.name = path.toString();
        this.segment = segment;
        this.mapping = mapping;
        this.header = header;
        this.keys = List.copyOf(header.metadata().keySet());
    }

    /**
     * Maps and validates a GGUF file.
     *
     * @param path the file
     * @return the open file
     * @throws IOException         when the file cannot be read or mapped
     * @throws GgufFormatException when it is not a valid GGUF v2/v3 file
     */
    public static GgufFile open(Path path) throws IOException {
        MappedFile mapped = MappedFile.open(path);
        try {
            return new GgufFile(path, mapped.segment(), mapped, GgufParser.parse(path.toString(), mapped.segment()));
        } catch (RuntimeException e) {
            mapped.close();
            throw e;
        }
    }

    /**
     * Validates a GGUF image already in memory (tests use it on truncated and mutated copies).
     *
     * @param path    the name used in messages
     * @param segment the whole file; it stays owned by the caller and {@link #close()} leaves it alone
     * @return the parsed file
     */
    static GgufFile of(Path path, MemorySegment segment) {
        return new GgufFile(path, segment, null, GgufParser.parse(path.toString(), segment));
    }

    /** @return the file's path */
    public Path path() {
        return path;
    }

    /** @return the format version, 2 or 3 */
    public int version() {
        return header.version();
    }

    /** @return the data alignment: {@code general.alignment}, or 32 when absent */
    public long alignment() {
        return header.alignment();
    }

    /**
     * @return absolute offset of the tensor data section (the end of the tensor infos rounded up to the
     *         alignment); a file without tensors may end before it
     */
    public long dataOffset() {
        return header.dataOffset();
    }

    /** @return the file size in bytes */
    public long fileSize() {
        return segment.byteSize();
    }

    /** @return the metadata keys in file order */
    public List<String> keys() {
        return keys;
    }

    /**
     * @param key a metadata key
     * @return true when the file has it
     */
    public boolean has(String key) {
        return header.metadata().containsKey(key);
    }

    /**
     * @param key a metadata key
     * @return its value, or {@code null} when absent
     */
    public GgufValue value(String key) {
        return header.metadata().get(key);
    }

    /**
     * @param key a STRING key
     * @return its value
     * @throws GgufFormatException when missing or not a string
     */
    public String string(String key) {
        GgufValue v = require(key, "STRING");
        if (v.type() != GgufType.STRING) {
            throw wrongType(key, v, "STRING");
        }
        return v.asString();
    }

    /**
     * @param key          a STRING key
     * @param defaultValue returned when the key is absent
     * @return its value
     * @throws GgufFormatException when present but not a string
     */
    public String string(String key, String defaultValue) {
        return has(key) ? string(key) : defaultValue;
    }

    /**
     * @param key a key of any integer type
     * @return its value
     * @throws GgufFormatException when missing, not an integer, or a UINT64 above {@code Long.MAX_VALUE}
     */
    public long integer(String key) {
        GgufValue v = require(key, "an integer");
        if (!v.type().isInteger()) {
            throw wrongType(key, v, "an integer type");
        }
        long n = v.asLong();
        if (v.type() == GgufType.UINT64 && n < 0) {
            throw new GgufFormatException(name, v.offset(), "key '" + key + "' does not fit a signed 64-bit "
                    + "integer (expected at most " + Long.MAX_VALUE + ", got " + Long.toUnsignedString(n) + ")");
        }
        return n;
    }

    /**
     * @param key          a key of any integer type
     * @param defaultValue returned when the key is absent
     * @return its value
     * @throws GgufFormatException when present but not an integer
     */
    public long integer(String key, long defaultValue) {
        return has(key) ? integer(key) : defaultValue;
    }

    /**
     * @param key a key of a float or integer type
     * @return its value as a double
     * @throws GgufFormatException when missing or not a number
     */
    public double number(String key) {
        GgufValue v = require(key, "a number");
        if (!v.type().isFloat() && !v.type().isInteger()) {
            throw wrongType(key, v, "a float or integer type");
        }
        return v.asUnsignedDouble();
    }

    /**
     * @param key          a key of a float or integer type
     * @param defaultValue returned when the key is absent
     * @return its value as a double
     * @throws GgufFormatException when present but not a number
     */
    public double number(String key, double defaultValue) {
        return has(key) ? number(key) : defaultValue;
    }

    /**
     * @param key          a BOOL key
     * @param defaultValue returned when the key is absent
     * @return its value
     * @throws GgufFormatException when present but not a bool
     */
    public boolean bool(String key, boolean defaultValue) {
        GgufValue v = value(key);
        if (v == null) {
            return defaultValue;
        }
        if (v.type() != GgufType.BOOL) {
            throw wrongType(key, v, "BOOL");
        }
        return v.asBoolean();
    }

    /**
     * @param key an ARRAY of STRING key
     * @return a copy of the strings
     * @throws GgufFormatException when missing or of another type
     */
    public String[] stringArray(String key) {
        GgufValue v = require(key, "ARRAY of STRING");
        if (!v.isArray() || v.elementType() != GgufType.STRING) {
            throw wrongType(key, v, "ARRAY of STRING");
        }
        return ((String[]) v.arrayView()).clone();
    }

    /**
     * @param key an ARRAY of FLOAT32 (or FLOAT64, narrowed) key
     * @return the values
     * @throws GgufFormatException when missing or of another type
     */
    public float[] floatArray(String key) {
        GgufValue v = require(key, "ARRAY of FLOAT32");
        if (!v.isArray() || !v.elementType().isFloat()) {
            throw wrongType(key, v, "ARRAY of FLOAT32");
        }
        if (v.arrayView() instanceof double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }
        return ((float[]) v.arrayView()).clone();
    }

    /**
     * @param key an ARRAY of any integer type
     * @return the values
     * @throws GgufFormatException when missing, of another type, or an element does not fit an int
     */
    public int[] intArray(String key) {
        GgufValue v = require(key, "ARRAY of an integer type");
        if (!v.isArray() || !v.elementType().isInteger()) {
            throw wrongType(key, v, "ARRAY of an integer type");
        }
        GgufType t = v.elementType();
        Object a = v.arrayView();
        int n = v.length();
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            long e = element(a, t, i);
            if (e != (int) e || (t == GgufType.UINT64 && e < 0)) {
                throw new GgufFormatException(name, v.offset(), "element " + i + " of key '" + key
                        + "' does not fit a 32-bit int (expected " + Integer.MIN_VALUE + ".." + Integer.MAX_VALUE
                        + ", got " + (t == GgufType.UINT64 ? Long.toUnsignedString(e) : Long.toString(e)) + ")");
            }
            out[i] = (int) e;
        }
        return out;
    }

    private static long element(Object a, GgufType t, int i) {
        return switch (a) {
            case byte[] b -> t.isUnsigned() ? b[i] & 0xFF : b[i];
            case short[] s -> t.isUnsigned() ? s[i] & 0xFFFF : s[i];
            case int[] n -> t.isUnsigned() ? Integer.toUnsignedLong(n[i]) : n[i];
            case long[] l -> l[i];
            default -> throw new IllegalStateException("not an integer array: " + t);
        };
    }

    /** @return the tensor infos in file order */
    public List<GgufTensorInfo> tensors() {
        return header.tensors();
    }

    /**
     * @param name a tensor name
     * @return its info, or {@code null} when absent
     */
    public GgufTensorInfo tensorInfo(String name) {
        return header.tensorsByName().get(name);
    }

    /**
     * @param tensorName a tensor name
     * @return a view over the mapped data, shape outermost first (GGUF dimensions reversed)
     * @throws GgufFormatException naming the tensor when the file has none of that name
     */
    public Tensor tensor(String tensorName) {
        GgufTensorInfo info = tensorInfo(tensorName);
        if (info == null) {
            throw new GgufFormatException(name, header.tensorInfoOffset(), "no tensor named '" + tensorName + "' (expected one of "
                    + header.tensors().size() + " tensors, got none by that name)");
        }
        return Tensor.of(tensorName, segment, header.dataOffset() + info.offset(), info.type(), info.shape());
    }

    /** @return the whole mapped file, read-only */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * Drops the pages holding these bytes from this process's resident memory, as after copying a tensor elsewhere;
     * reading them again pages them back in. Does nothing for an image the caller owns.
     *
     * @param offset first byte
     * @param bytes  byte count
     */
    public void releasePages(long offset, long bytes) {
        if (mapping != null) {
            mapping.release(offset, bytes);
        }
    }

    /** Unmaps the file; tensor views become invalid. Closing again does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (mapping != null) {
            mapping.close();
        }
    }

    private GgufValue require(String key, String expected) {
        GgufValue v = value(key);
        if (v == null) {
            throw new GgufFormatException(name, header.metadataOffset(), "metadata has no key '" + key
                    + "' (expected " + expected + ", got nothing)");
        }
        return v;
    }

    private GgufFormatException wrongType(String key, GgufValue v, String expected) {
        String actual = v.type() == GgufType.ARRAY ? "ARRAY of " + v.elementType() : v.type().toString();
        return new GgufFormatException(name, v.offset(), "key '" + key + "' has the wrong type (expected "
                + expected + ", got " + actual + ")");
    }
}
