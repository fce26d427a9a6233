package dev.smallmind.model;

import dev.smallmind.SharedData;
import dev.smallmind.json.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Reads the llama.cpp golden files of {@code ../shared/golden}. */
public final class Golden {
    private Golden() {
    }

    /**
     * @param name file name in the golden folder
     * @return its parsed JSON; the test is skipped when absent
     */
    public static Map<String, Object> load(String name) {
        Path p = SharedData.require("golden/" + name);
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) Json.parse(Files.readString(p));
            return m;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + p, e);
        }
    }

    /**
     * @param list a JSON array of integers
     * @return them as ints
     */
    public static int[] ints(Object list) {
        List<?> l = (List<?>) list;
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) l.get(i)).intValue();
        }
        return out;
    }

    /**
     * @param list a JSON array of numbers
     * @return them as doubles
     */
    public static double[] doubles(Object list) {
        List<?> l = (List<?>) list;
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) l.get(i)).doubleValue();
        }
        return out;
    }
}
