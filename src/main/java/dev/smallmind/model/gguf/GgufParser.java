package dev.smallmind.model.gguf;

import dev.smallmind.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates a GGUF header (v2 or v3, little-endian) from a segment holding the whole file. Every read
 * is bounds-checked against the bytes left before it happens, and every count is checked against the bytes it
 * needs at the minimum before anything is allocated, so a hostile header ends in a {@link GgufFormatException}
 * naming the offset, never in another exception, a long loop or an oversized allocation.
 */
final class GgufParser {
    /** Default data alignment when {@code general.alignment} is absent. */
    static final long DEFAULT_ALIGNMENT = 32;
    /** Largest accepted {@code general.alignment}; larger values only serve to make padding absurd. */
    static final long MAX_ALIGNMENT = 1L << 30;
    /** Arrays nested deeper than this are rejected (real files nest none). */
    static final int MAX_ARRAY_DEPTH = 8;
    /** Tensors of more dimensions than ggml supports are rejected. */
    static final int MAX_DIMS = 4;
    /** Largest Java array (and string) the reader creates. */
    static final long MAX_JAVA_LENGTH = Integer.MAX_VALUE - 8;
    /** A key-value pair takes at least an empty key, a type tag and a one-byte value. */
    static final long MIN_KV_BYTES = 8 + 4 + 1;
    /** A tensor info takes at least an empty name, n_dims, one dimension, the type and the offset. */
    static final long MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;
    static final String ALIGNMENT_KEY = "general.alignment";
    static final int MAGIC = 0x46554747;

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String file;
    private final MemorySegment segment;
    private final long size;
    private long pos;

    private GgufParser(String file, MemorySegment segment) {
        this.file = file;
        this.segment = segment;
        this.size = segment.byteSize();
    }

    /**
     * @param file    the file's name, for messages
     * @param segment the whole file
     * @return the validated header
     * @throws GgufFormatException when anything is malformed
     */
    static GgufHeader parse(String file, MemorySegment segment) {
        return new GgufParser(file, segment).header();
    }

    private GgufHeader header() {
        int version = readMagicAndVersion();
        long tensorCountAt = pos;
        long tensorCount = readLong("the tensor count");
        long kvCountAt = pos;
        long kvCount = readLong("the metadata count");
        checkCount(kvCountAt, kvCount, MIN_KV_BYTES, "metadata key-value pairs");
        checkCount(tensorCountAt, tensorCount, MIN_TENSOR_INFO_BYTES, "tensor infos");
        long minimum = kvCount * MIN_KV_BYTES + tensorCount * MIN_TENSOR_INFO_BYTES;
        if (minimum > remaining()) {
            throw fail(tensorCountAt, kvCount + " key-value pairs and " + tensorCount + " tensor infos cannot fit"
                    + " (expected a minimum size of at most the " + remaining() + " bytes left, got " + minimum + ")");
        }
        long metadataOffset = pos;
        LinkedHashMap<String, GgufValue> metadata = readMetadata(kvCount);
        long alignment = alignment(metadata.get(ALIGNMENT_KEY));
        long tensorInfoOffset = pos;
        List<Long> offsetFields = new ArrayList<>();
        List<GgufTensorInfo> tensors = readTensorInfos(tensorCount, alignment, offsetFields);
        long dataOffset = (pos + alignment - 1) / alignment * alignment;
        Map<String, GgufTensorInfo> byName = new HashMap<>();
        for (int i = 0; i < tensors.size(); i++) {
            GgufTensorInfo t = tensors.get(i);
            checkInsideFile(t, dataOffset, offsetFields.get(i));
            byName.put(t.name(), t);
        }
        return new GgufHeader(version, alignment, metadataOffset, tensorInfoOffset, dataOffset, metadata,
                List.copyOf(tensors), Map.copyOf(byName));
    }

    private int readMagicAndVersion() {
        int magic = readInt("the magic \"GGUF\"");
        if (magic != MAGIC) {
            throw fail(0, "not a GGUF file (expected magic \"GGUF\" = 0x47475546, got 0x"
                    + String.format("%08X", Integer.reverseBytes(magic)) + ")");
        }
        int version = readInt("the version");
        if (version != 2 && version != 3) {
            int swapped = Integer.reverseBytes(version);
            String hint = swapped == 2 || swapped == 3 ? " (a big-endian file, which is not supported)"
                    : version == 1 ? " (GGUF v1 used 32-bit counts and is not supported)" : "";
            throw fail(4, "unsupported GGUF version" + hint + " (expected 2 or 3, got "
                    + Integer.toUnsignedString(version) + ")");
        }
        return version;
    }

    private LinkedHashMap<String, GgufValue> readMetadata(long kvCount) {
        LinkedHashMap<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long keyAt = pos;
            String key = readString("a metadata key");
            GgufType type = readType("the value type of key '" + key + "'");
            GgufValue value = readValue(type, "key '" + key + "'", 0);
            if (metadata.putIfAbsent(key, value) != null) {
                throw fail(keyAt, "duplicate metadata key '" + key + "' (expected each key once, got it again)");
            }
        }
        return metadata;
    }

    private List<GgufTensorInfo> readTensorInfos(long tensorCount, long alignment, List<Long> offsetFields) {
        List<GgufTensorInfo> tensors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            long nameAt = pos;
            GgufTensorInfo info = readTensorInfo(alignment, offsetFields);
            if (!names.add(info.name())) {
                throw fail(nameAt, "duplicate tensor name '" + info.name() + "' (expected each name once)");
            }
            tensors.add(info);
        }
        return tensors;
    }

    private void checkCount(long at, long count, long minBytes, String what) {
        long left = remaining();
        if (count < 0 || count > left / minBytes) {
            throw fail(at, "count of " + what + " " + Long.toUnsignedString(count) + " cannot fit: each needs at least "
                    + minBytes + " bytes (expected at most " + left / minBytes + " in the " + left
                    + " bytes left, got " + Long.toUnsignedString(count) + ")");
        }
    }

    private long alignment(GgufValue value) {
        if (value == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (!value.type().isInteger()) {
            throw fail(value.offset(), ALIGNMENT_KEY + " must be an integer (expected UINT32, got " + value.type() + ")");
        }
        long a = value.asLong();
        if (a <= 0 || a > MAX_ALIGNMENT || Long.bitCount(a) != 1) {
            throw fail(value.offset(), ALIGNMENT_KEY + " must be a power of two from 1 to " + MAX_ALIGNMENT
                    + " (expected a power of two, got " + Long.toUnsignedString(a) + ")");
        }
        return a;
    }

    private GgufTensorInfo readTensorInfo(long alignment, List<Long> offsetFields) {
        String name = readString("a tensor name");
        String what = "tensor '" + name + "'";
        long nDimsAt = pos;
        int nDims = readInt("the dimension count of " + what);
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw fail(nDimsAt, what + " has a bad dimension count (expected 1.." + MAX_DIMS + ", got "
                    + Integer.toUnsignedString(nDims) + ")");
        }
        long[] dims = new long[nDims];
        for (int d = 0; d < nDims; d++) {
            long dimAt = pos;
            dims[d] = readLong("dimension " + d + " of " + what);
            if (dims[d] < 1) {
                throw fail(dimAt, what + " dimension " + d + " is out of range (expected 1.." + Long.MAX_VALUE
                        + ", got " + Long.toUnsignedString(dims[d]) + ")");
            }
        }
        long typeAt = pos;
        int typeId = readInt("the type of " + what);
        DType type = DType.fromGgmlId(Integer.toUnsignedLong(typeId));
        if (type == null) {
            throw fail(typeAt, what + " has an unknown or unsupported ggml type id (expected one of "
                    + supportedTypes() + ", got " + Integer.toUnsignedString(typeId) + ")");
        }
        long offsetAt = pos;
        long offset = readLong("the data offset of " + what);
        if (dims[0] % type.blockSize() != 0) {
            throw fail(nDimsAt + 4, what + " row length is not a whole number of " + type + " blocks (expected a "
                    + "multiple of " + type.blockSize() + ", got " + dims[0] + ")");
        }
        long byteSize;
        try {
            long elements = 1;
            for (long d : dims) {
                elements = Math.multiplyExact(elements, d);
            }
            byteSize = Math.multiplyExact(dims[0] / type.blockSize(), (long) type.blockBytes());
            for (int d = 1; d < nDims; d++) {
                byteSize = Math.multiplyExact(byteSize, dims[d]);
            }
        } catch (ArithmeticException e) {
            throw fail(nDimsAt + 4, what + " is too large: its element count or byte size overflows 64 bits "
                    + "(expected a product below 2^63, got dims " + java.util.Arrays.toString(dims) + ")");
        }
        if (offset < 0 || offset % alignment != 0) {
            throw fail(offsetAt, what + " data offset is not aligned (expected a multiple of " + alignment
                    + ", got " + Long.toUnsignedString(offset) + ")");
        }
        offsetFields.add(offsetAt);
        return new GgufTensorInfo(name, type, dims, offset, byteSize);
    }

    private void checkInsideFile(GgufTensorInfo t, long dataOffset, long offsetAt) {
        long room = size - dataOffset;
        if (room < 0 || t.offset() > room || t.byteSize() > room - t.offset()) {
            throw fail(offsetAt, "tensor '" + t.name() + "' data (" + t.byteSize() + " bytes at data offset "
                    + t.offset() + ", data section at " + dataOffset + ") lies outside the file (expected an end at most "
                    + size + ", got " + endString(dataOffset, t) + ")");
        }
    }

    private static String endString(long dataOffset, GgufTensorInfo t) {
        long end = dataOffset + t.offset();
        return end < 0 || end + t.byteSize() < 0 ? "more than 2^63" : Long.toString(end + t.byteSize());
    }

    private static String supportedTypes() {
        StringBuilder sb = new StringBuilder();
        for (DType t : DType.values()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(t.ggmlId()).append('=').append(t);
        }
        return sb.toString();
    }

    private GgufValue readValue(GgufType type, String what, int depth) {
        long at = pos;
        return switch (type) {
            case UINT8 -> GgufValue.read(type, (long) (readByte(what) & 0xFF), at);
            case INT8 -> GgufValue.read(type, (long) readByte(what), at);
            case UINT16 -> GgufValue.read(type, (long) (readShort(what) & 0xFFFF), at);
            case INT16 -> GgufValue.read(type, (long) readShort(what), at);
            case UINT32 -> GgufValue.read(type, Integer.toUnsignedLong(readInt(what)), at);
            case INT32 -> GgufValue.read(type, (long) readInt(what), at);
            case UINT64, INT64 -> GgufValue.read(type, readLong(what), at);
            case FLOAT32 -> GgufValue.read(type, (double) Float.intBitsToFloat(readInt(what)), at);
            case FLOAT64 -> GgufValue.read(type, Double.longBitsToDouble(readLong(what)), at);
            case BOOL -> GgufValue.read(type, readBool(what), at);
            case STRING -> GgufValue.read(type, readString(what), at);
            case ARRAY -> readArray(what, depth);
        };
    }

    private GgufValue readArray(String what, int depth) {
        long at = pos;
        GgufType elementType = readType("the element type of " + what);
        if (elementType == GgufType.ARRAY && depth + 1 >= MAX_ARRAY_DEPTH) {
            throw fail(at, what + " nests arrays too deeply (expected at most " + MAX_ARRAY_DEPTH + " levels, got more)");
        }
        long countAt = pos;
        long count = readLong("the element count of " + what);
        long left = remaining();
        if (count < 0 || count > left / elementType.minBytes()) {
            throw fail(countAt, what + " array of " + elementType + " cannot fit: " + Long.toUnsignedString(count)
                    + " elements need at least " + elementType.minBytes() + " bytes each (expected at most "
                    + left / elementType.minBytes() + " elements in the " + left + " bytes left, got "
                    + Long.toUnsignedString(count) + ")");
        }
        if (count > MAX_JAVA_LENGTH) {
            throw fail(countAt, what + " array is too long to load (expected at most " + MAX_JAVA_LENGTH
                    + " elements, got " + count + ")");
        }
        int n = (int) count;
        Object array = switch (elementType) {
            case UINT8, INT8 -> bulk(new byte[n], ValueLayout.JAVA_BYTE, n, 1);
            case UINT16, INT16 -> bulk(new short[n], I16, n, 2);
            case UINT32, INT32 -> bulk(new int[n], I32, n, 4);
            case UINT64, INT64 -> bulk(new long[n], I64, n, 8);
            case FLOAT32 -> bulk(new float[n], F32, n, 4);
            case FLOAT64 -> bulk(new double[n], F64, n, 8);
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readBool(what);
                }
                yield a;
            }
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readString(what);
                }
                yield a;
            }
            case ARRAY -> {
                GgufValue[] a = new GgufValue[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readArray("element " + i + " of " + what, depth + 1);
                }
                yield a;
            }
        };
        return GgufValue.readArray(elementType, array, at);
    }

    private Object bulk(Object array, ValueLayout layout, int n, int elementBytes) {
        long bytes = (long) n * elementBytes;
        MemorySegment.copy(segment, layout, pos, array, 0, n);
        pos += bytes;
        return array;
    }

    private GgufType readType(String what) {
        long at = pos;
        int id = readInt(what);
        GgufType type = GgufType.fromId(Integer.toUnsignedLong(id));
        if (type == null) {
            throw fail(at, "unknown value type for " + what + " (expected 0..12, got " + Integer.toUnsignedString(id)
                    + ")");
        }
        return type;
    }

    private String readString(String what) {
        long at = pos;
        if (remaining() < 8) {
            need(8, "the length of " + what);
        }
        long length = readLong(what);
        long left = remaining();
        if (length < 0 || length > left) {
            throw fail(at, "string length of " + what + " runs past the end of the file (expected at most " + left
                    + " bytes, got " + Long.toUnsignedString(length) + ")");
        }
        if (length > MAX_JAVA_LENGTH) {
            throw fail(at, "string " + what + " is too long to load (expected at most " + MAX_JAVA_LENGTH
                    + " bytes, got " + length + ")");
        }
        if (length == 0) {
            return "";
        }
        byte[] bytes = new byte[(int) length];
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, pos, bytes, 0, bytes.length);
        pos += length;
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private boolean readBool(String what) {
        long at = pos;
        byte b = readByte(what);
        if (b != 0 && b != 1) {
            throw fail(at, "bad boolean for " + what + " (expected 0 or 1, got " + (b & 0xFF) + ")");
        }
        return b == 1;
    }

    private byte readByte(String what) {
        need(1, what);
        return segment.get(ValueLayout.JAVA_BYTE, pos++);
    }

    private short readShort(String what) {
        need(2, what);
        short v = segment.get(I16, pos);
        pos += 2;
        return v;
    }

    private int readInt(String what) {
        need(4, what);
        int v = segment.get(I32, pos);
        pos += 4;
        return v;
    }

    private long readLong(String what) {
        need(8, what);
        long v = segment.get(I64, pos);
        pos += 8;
        return v;
    }

    private void need(int bytes, String what) {
        if (remaining() < bytes) {
            throw fail(pos, "file ends inside " + what + " (expected " + bytes + " bytes, got " + remaining() + ")");
        }
    }

    private long remaining() {
        return size - pos;
    }

    private GgufFormatException fail(long at, String problem) {
        return new GgufFormatException(file, at, problem);
    }
}
