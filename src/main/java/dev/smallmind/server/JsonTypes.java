package dev.smallmind.server;

import java.util.List;
import java.util.Map;

/** The JSON type of a value {@link dev.smallmind.json.Json#parse} returned, for error messages. */
final class JsonTypes {
    private JsonTypes() {
    }

    static String name(Object v) {
        return switch (v) {
            case null -> "null";
            case String ignored -> "a string";
            case Boolean ignored -> "a boolean";
            case Long ignored -> "an integer";
            case Number ignored -> "a number";
            case List<?> ignored -> "an array";
            case Map<?, ?> ignored -> "an object";
            default -> v.getClass().getSimpleName();
        };
    }
}
