package dev.smallmind.profile;

import dev.smallmind.json.Json;
import dev.smallmind.json.JsonWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trend file {@code history.jsonl}: one JSON line per report run with its date, commit, mode and every
 * figure's value, appended by each run. Lines that cannot be read (a hand edit, a truncated write) are skipped.
 */
final class History {
    private History() {
    }

    /**
     * One past run.
     *
     * @param date    ISO date of the run
     * @param commit  git commit or {@code unknown}
     * @param mode    {@code full} or {@code quick}
     * @param figures value by figure id
     */
    record Entry(String date, String commit, String mode, Map<String, Double> figures) {
    }

    /**
     * @param file   history file (created when missing)
     * @param report the run to append
     * @throws IOException when it cannot be written
     */
    static void append(Path file, Report report) throws IOException {
        JsonWriter w = JsonWriter.create().beginObject().field("date", report.machine().date())
                .field("commit", report.machine().commit()).field("mode", report.mode()).name("figures")
                .beginObject();
        for (Figure f : report.figures().values()) {
            w.field(f.id(), f.value());
        }
        String line = w.endObject().endObject() + "\n";
        Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /**
     * @param file history file
     * @return its readable entries, oldest first (none when the file is missing)
     * @throws IOException when it exists but cannot be read
     */
    static List<Entry> read(Path file) throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (!Files.exists(file)) {
            return entries;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                if (Json.parse(line) instanceof Map<?, ?> m && m.get("date") instanceof String date
                        && m.get("figures") instanceof Map<?, ?> figures) {
                    Map<String, Double> values = new LinkedHashMap<>();
                    for (Map.Entry<?, ?> e : figures.entrySet()) {
                        if (e.getKey() instanceof String id && e.getValue() instanceof Number v) {
                            values.put(id, v.doubleValue());
                        }
                    }
                    entries.add(new Entry(date, m.get("commit") instanceof String c ? c : "unknown",
                            m.get("mode") instanceof String mode ? mode : "full", values));
                }
            } catch (IllegalArgumentException e) {
                // an unreadable line is left out of the trend; the others still chart
            }
        }
        return entries;
    }
}
