package dev.smallmind.server;

import java.util.List;
import java.util.Map;

/** The JSON type of a value {@link dev.smallmind.json.Json#parse} returned, for error messages. */
final class JsonTypes {
    private JsonTypes() {
    }

    static String name(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String) {
            return "a string";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        if (v instanceof Long) {
            return "an integer";
        }
        if (v instanceof Number) {
            return "a number";
        }
        if (v instanceof List) {
            return "an array";
        }
        if (v instanceof Map) {
            return "an object";
        }
        return v.getClass().getSimpleName();
    }
}
