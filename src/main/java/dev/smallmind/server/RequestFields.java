package dev.smallmind.server;

import java.util.Map;

/**
 * Typed reads of a parsed JSON request body: each names the field and what it expected when the value is of the
 * wrong type or out of range. Absent and {@code null} fields take the default.
 */
final class RequestFields {
    private final Map<?, ?> body;

    RequestFields(Object body) {
        if (!(body instanceof Map<?, ?> map)) {
            throw ApiException.invalid("the request body must be a JSON object, got " + JsonTypes.name(body));
        }
        this.body = map;
    }

    Object raw(String name) {
        return body.get(name);
    }

    boolean has(String name) {
        return body.get(name) != null;
    }

    double number(String name, double fallback) {
        Number n = typed(name, Number.class, "a number");
        return n == null ? fallback : n.doubleValue();
    }

    float decimal(String name, float fallback) {
        double v = number(name, fallback);
        if (!Double.isFinite(v) || Math.abs(v) > Float.MAX_VALUE) {
            throw ApiException.invalid("'" + name + "' must be a finite number, got " + v);
        }
        return (float) v;
    }

    long integer(String name, long fallback, long min, long max) {
        Long l = typed(name, Long.class, "an integer");
        if (l == null) {
            return fallback;
        }
        if (l < min || l > max) {
            throw ApiException.invalid("'" + name + "' must be between " + min + " and " + max + ", got " + l);
        }
        return l;
    }

    boolean bool(String name, boolean fallback) {
        Boolean b = typed(name, Boolean.class, "true or false");
        return b == null ? fallback : b;
    }

    /** @return the field as a {@code type}, or null when absent; a value of another type is refused */
    private <T> T typed(String name, Class<T> type, String expected) {
        Object v = body.get(name);
        if (v != null && !type.isInstance(v)) {
            throw ApiException.invalid("'" + name + "' must be " + expected + ", got " + JsonTypes.name(v)
                    + (v instanceof Number || v instanceof Boolean ? " " + v : ""));
        }
        return type.cast(v);
    }
}
