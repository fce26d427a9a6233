package dev.smallmind.model.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One GGUF metadata value: its {@link GgufType} and its Java form.
 *
 * <ul>
 *   <li>all integer types: {@link Long}; a UINT64 above {@code Long.MAX_VALUE} is kept as its raw 64 bits (so it
 *       reads negative); {@link GgufFile#integer} rejects it, {@link #asUnsignedDouble()} converts it</li>
 *   <li>FLOAT32, FLOAT64: {@link Double}</li>
 *   <li>BOOL: {@link Boolean}; STRING: {@link String} (UTF-8)</li>
 *   <li>ARRAY: {@link #elementType()} plus a Java array: {@code byte[]} for UINT8/INT8, {@code short[]} for
 *       UINT16/INT16, {@code int[]} for UINT32/INT32, {@code long[]} for UINT64/INT64 (unsigned types keep their
 *       raw bits), {@code float[]}, {@code double[]}, {@code boolean[]}, {@code String[]}, and
 *       {@code GgufValue[]} for nested arrays</li>
 * </ul>
 *
 * The primitive element arrays match the file's element size, so the heap a file's metadata takes is bounded by
 * the file's size. Values are immutable: array accessors return copies.
 */
public final class GgufValue {
    private final GgufType type;
    private final GgufType elementType;
    private final Object value;
    private final long offset;

    private GgufValue(GgufType type, GgufType elementType, Object value, long offset) {
        this.type = type;
        this.elementType = elementType;
        this.value = value;
        this.offset = offset;
    }

    static GgufValue read(GgufType type, Object value, long offset) {
        return new GgufValue(type, null, value, offset);
    }

    static GgufValue readArray(GgufType elementType, Object array, long offset) {
        return new GgufValue(GgufType.ARRAY, elementType, array, offset);
    }

    /**
     * @param s the text
     * @return a STRING value
     */
    public static GgufValue string(String s) {
        return new GgufValue(GgufType.STRING, null, Objects.requireNonNull(s, "s"), -1);
    }

    /**
     * @param v 0..255
     * @return a UINT8 value
     */
    public static GgufValue uint8(long v) {
        return integerOf(GgufType.UINT8, v, 0, 0xFF);
    }

    /**
     * @param v -128..127
     * @return an INT8 value
     */
    public static GgufValue int8(long v) {
        return integerOf(GgufType.INT8, v, Byte.MIN_VALUE, Byte.MAX_VALUE);
    }

    /**
     * @param v 0..65535
     * @return a UINT16 value
     */
    public static GgufValue uint16(long v) {
        return integerOf(GgufType.UINT16, v, 0, 0xFFFF);
    }

    /**
     * @param v -32768..32767
     * @return an INT16 value
     */
    public static GgufValue int16(long v) {
        return integerOf(GgufType.INT16, v, Short.MIN_VALUE, Short.MAX_VALUE);
    }

    /**
     * @param v 0..2^32-1
     * @return a UINT32 value
     */
    public static GgufValue uint32(long v) {
        return integerOf(GgufType.UINT32, v, 0, 0xFFFF_FFFFL);
    }

    /**
     * @param v any int
     * @return an INT32 value
     */
    public static GgufValue int32(long v) {
        return integerOf(GgufType.INT32, v, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /**
     * @param bits the unsigned value's 64 bits (values above {@code Long.MAX_VALUE} pass as negative longs)
     * @return a UINT64 value
     */
    public static GgufValue uint64(long bits) {
        return new GgufValue(GgufType.UINT64, null, bits, -1);
    }

    /**
     * @param v any long
     * @return an INT64 value
     */
    public static GgufValue int64(long v) {
        return new GgufValue(GgufType.INT64, null, v, -1);
    }

    /**
     * @param v the value
     * @return a FLOAT32 value
     */
    public static GgufValue float32(float v) {
        return new GgufValue(GgufType.FLOAT32, null, (double) v, -1);
    }

    /**
     * @param v the value
     * @return a FLOAT64 value
     */
    public static GgufValue float64(double v) {
        return new GgufValue(GgufType.FLOAT64, null, v, -1);
    }

    /**
     * @param v the value
     * @return a BOOL value
     */
    public static GgufValue bool(boolean v) {
        return new GgufValue(GgufType.BOOL, null, v, -1);
    }

    /**
     * An ARRAY value; the Java array is copied.
     *
     * @param elementType type of every element
     * @param array       the Java array matching {@code elementType} (see the class comment); nested arrays
     *                    must not contain nulls
     * @return the value
     * @throws IllegalArgumentException when the Java array does not match the element type
     */
    public static GgufValue array(GgufType elementType, Object array) {
        Objects.requireNonNull(array, "array");
        Class<?> expected = javaArrayClass(elementType);
        if (array.getClass() != expected) {
            throw new IllegalArgumentException("an array of " + elementType + " is held in a "
                    + expected.getSimpleName() + ", got " + array.getClass().getSimpleName());
        }
        if (array instanceof Object[] objects) {
            for (Object o : objects) {
                Objects.requireNonNull(o, "array element");
                if (o instanceof GgufValue v && v.type != GgufType.ARRAY) {
                    throw new IllegalArgumentException("a nested array's elements are ARRAY values, got " + v.type);
                }
            }
        }
        return new GgufValue(GgufType.ARRAY, elementType, copy(array), -1);
    }

    /**
     * @param strings the elements
     * @return an ARRAY of STRING
     */
    public static GgufValue stringArray(String... strings) {
        return array(GgufType.STRING, strings);
    }

    /**
     * @param floats the elements
     * @return an ARRAY of FLOAT32
     */
    public static GgufValue floatArray(float... floats) {
        return array(GgufType.FLOAT32, floats);
    }

    /**
     * @param ints the elements
     * @return an ARRAY of INT32
     */
    public static GgufValue int32Array(int... ints) {
        return array(GgufType.INT32, ints);
    }

    static Class<?> javaArrayClass(GgufType elementType) {
        return switch (elementType) {
            case UINT8, INT8 -> byte[].class;
            case UINT16, INT16 -> short[].class;
            case UINT32, INT32 -> int[].class;
            case UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
            case ARRAY -> GgufValue[].class;
        };
    }

    private static GgufValue integerOf(GgufType type, long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(type + " holds " + min + ".." + max + ", got " + v);
        }
        return new GgufValue(type, null, v, -1);
    }

    private static Object copy(Object array) {
        return switch (array) {
            case byte[] a -> a.clone();
            case short[] a -> a.clone();
            case int[] a -> a.clone();
            case long[] a -> a.clone();
            case float[] a -> a.clone();
            case double[] a -> a.clone();
            case boolean[] a -> a.clone();
            case Object[] a -> a.clone();
            default -> throw new IllegalArgumentException("not an array: " + array.getClass());
        };
    }

    /** @return the value's type */
    public GgufType type() {
        return type;
    }

    /** @return the element type of an ARRAY, {@code null} for scalars */
    public GgufType elementType() {
        return elementType;
    }

    /** @return byte offset in the file where the value starts (after its type tag), -1 when not read from a file */
    public long offset() {
        return offset;
    }

    /** @return true for ARRAY values */
    public boolean isArray() {
        return type == GgufType.ARRAY;
    }

    /**
     * @return the Java form (see the class comment); arrays are copies
     */
    public Object value() {
        return type == GgufType.ARRAY ? copy(value) : value;
    }

    /** @return the number of elements of an ARRAY */
    public int length() {
        requireType(GgufType.ARRAY);
        return java.lang.reflect.Array.getLength(value);
    }

    /** @return the STRING value */
    public String asString() {
        requireType(GgufType.STRING);
        return (String) value;
    }

    /** @return an integer value; UINT64 values above {@code Long.MAX_VALUE} come back as their raw bits */
    public long asLong() {
        if (!type.isInteger()) {
            throw new IllegalStateException("value is " + type + ", not an integer");
        }
        return (Long) value;
    }

    /** @return an integer or float value as a double; unsigned 64-bit values convert as unsigned */
    public double asUnsignedDouble() {
        if (type.isFloat()) {
            return (Double) value;
        }
        long v = asLong();
        if (type == GgufType.UINT64 && v < 0) {
            return (double) (v >>> 1) * 2.0 + (v & 1);
        }
        return v;
    }

    /** @return the BOOL value */
    public boolean asBoolean() {
        requireType(GgufType.BOOL);
        return (Boolean) value;
    }

    /** @return the elements of an ARRAY without copying; callers must not modify it */
    Object arrayView() {
        requireType(GgufType.ARRAY);
        return value;
    }

    private void requireType(GgufType expected) {
        if (type != expected) {
            throw new IllegalStateException("value is " + type + ", not " + expected);
        }
    }

    /** Two values are equal when their types and contents are; where they were read from does not matter. */
    @Override
    public boolean equals(Object o) {
        return o instanceof GgufValue v && type == v.type && elementType == v.elementType
                && Arrays.deepEquals(new Object[] {value}, new Object[] {v.value});
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, elementType, Arrays.deepHashCode(new Object[] {value}));
    }

    @Override
    public String toString() {
        if (type != GgufType.ARRAY) {
            return type + " " + (type == GgufType.STRING ? '"' + (String) value + '"' : String.valueOf(value));
        }
        return "ARRAY of " + java.lang.reflect.Array.getLength(value) + " " + elementType;
    }
}
