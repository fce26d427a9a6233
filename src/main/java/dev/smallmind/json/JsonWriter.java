package dev.smallmind.json;

/**
 * Builds a JSON document into a {@link StringBuilder}: {@code begin/end} objects and arrays, names and values,
 * commas placed automatically. For command output and reports, not for per-token paths.
 */
public final class JsonWriter {
    private final StringBuilder out = new StringBuilder();
    private final boolean[] hasItem = new boolean[64];
    private int depth;
    private boolean afterName;

    /** @return a writer with an empty document */
    public static JsonWriter create() {
        return new JsonWriter();
    }

    /** @return this, after opening an object */
    public JsonWriter beginObject() {
        separate();
        out.append('{');
        push();
        return this;
    }

    /** @return this, after closing the innermost object */
    public JsonWriter endObject() {
        depth--;
        out.append('}');
        return this;
    }

    /** @return this, after opening an array */
    public JsonWriter beginArray() {
        separate();
        out.append('[');
        push();
        return this;
    }

    /** @return this, after closing the innermost array */
    public JsonWriter endArray() {
        depth--;
        out.append(']');
        return this;
    }

    /**
     * @param name member name inside an object
     * @return this
     */
    public JsonWriter name(String name) {
        separate();
        quote(name);
        out.append(':');
        afterName = true;
        return this;
    }

    /**
     * @param v a string, or null
     * @return this
     */
    public JsonWriter value(String v) {
        separate();
        if (v == null) {
            out.append("null");
        } else {
            quote(v);
        }
        return this;
    }

    /**
     * @param v an integer
     * @return this
     */
    public JsonWriter value(long v) {
        separate();
        out.append(v);
        return this;
    }

    /**
     * @param v a number; NaN and infinities become null (JSON has no spelling for them)
     * @return this
     */
    public JsonWriter value(double v) {
        separate();
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            out.append("null");
        } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            out.append((long) v);
        } else {
            out.append(v);
        }
        return this;
    }

    /**
     * @param v a boolean
     * @return this
     */
    public JsonWriter value(boolean v) {
        separate();
        out.append(v);
        return this;
    }

    /**
     * @param name member name
     * @param v    string value
     * @return this
     */
    public JsonWriter field(String name, String v) {
        return name(name).value(v);
    }

    /**
     * @param name member name
     * @param v    integer value
     * @return this
     */
    public JsonWriter field(String name, long v) {
        return name(name).value(v);
    }

    /**
     * @param name member name
     * @param v    number value
     * @return this
     */
    public JsonWriter field(String name, double v) {
        return name(name).value(v);
    }

    /**
     * @param name member name
     * @param v    boolean value
     * @return this
     */
    public JsonWriter field(String name, boolean v) {
        return name(name).value(v);
    }

    /** @return the document written so far */
    @Override
    public String toString() {
        return out.toString();
    }

    private void push() {
        if (depth + 1 >= hasItem.length) {
            throw new IllegalStateException("JSON nesting deeper than " + (hasItem.length - 1));
        }
        depth++;
        hasItem[depth] = false;
    }

    private void separate() {
        if (afterName) {
            afterName = false;
            return;
        }
        if (depth > 0) {
            if (hasItem[depth]) {
                out.append(',');
            }
            hasItem[depth] = true;
        }
    }

    private void quote(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
