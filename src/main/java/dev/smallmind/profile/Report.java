package dev.smallmind.profile;

import dev.smallmind.json.Json;
import dev.smallmind.json.JsonWriter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of one {@code smallmind bench} run: the machine and the sections of figures, in the order the
 * report shows them. {@link #toJson()} is {@code report.json}; {@link #figures(String)} reads the figures back
 * from such a file for comparisons.
 *
 * @param machine  where and when it ran
 * @param mode     {@code full} or {@code quick}
 * @param seconds  wall time of the whole run
 * @param sections the measured sections
 */
public record Report(MachineInfo machine, String mode, double seconds, List<Section> sections) {
    /** Value of the {@code format} member of report.json. */
    public static final String FORMAT = "smallmind-bench-report";
    /** Version of the report.json layout. */
    public static final int VERSION = 1;

    /** Copies the list. */
    public Report {
        sections = List.copyOf(sections);
    }

    /** @return every figure of every section, by id, in report order */
    public Map<String, Figure> figures() {
        Map<String, Figure> all = new LinkedHashMap<>();
        for (Section s : sections) {
            for (Figure f : s.figures()) {
                all.put(f.id(), f);
            }
        }
        return all;
    }

    /** @return report.json's text */
    public String toJson() {
        JsonWriter w = JsonWriter.create().beginObject().field("format", FORMAT).field("version", VERSION)
                .field("mode", mode).field("seconds", seconds).name("machine");
        machine.write(w);
        w.name("sections").beginArray();
        for (Section s : sections) {
            w.beginObject().field("id", s.id()).field("title", s.title()).field("about", s.about());
            w.name("figures").beginArray();
            for (Figure f : s.figures()) {
                w.beginObject().field("id", f.id()).field("label", f.label()).field("value", f.value())
                        .field("unit", f.unit()).field("better", f.better().name().toLowerCase(Locale.ROOT))
                        .endObject();
            }
            w.endArray().name("charts").beginArray();
            for (BarChart c : s.charts()) {
                w.value(c.fileName());
            }
            w.endArray().name("notes").beginArray();
            for (String n : s.notes()) {
                w.value(n);
            }
            w.endArray().endObject();
        }
        return w.endArray().endObject().toString();
    }

    /**
     * @param json text of a report.json
     * @return its figures by id, in file order
     * @throws IllegalArgumentException when it is not a report.json (names what is wrong)
     */
    public static Map<String, Figure> figures(String json) {
        Object root = Json.parse(json);
        if (!(root instanceof Map<?, ?> doc) || !FORMAT.equals(doc.get("format"))) {
            throw new IllegalArgumentException("not a smallmind bench report (no \"format\": \"" + FORMAT + "\")");
        }
        if (!(doc.get("sections") instanceof List<?> sections)) {
            throw new IllegalArgumentException("bench report has no \"sections\" array");
        }
        Map<String, Figure> all = new LinkedHashMap<>();
        for (Object s : sections) {
            if (!(s instanceof Map<?, ?> section) || !(section.get("figures") instanceof List<?> figures)) {
                throw new IllegalArgumentException("bench report section without a \"figures\" array");
            }
            for (Object f : figures) {
                Figure figure = figure(f);
                all.put(figure.id(), figure);
            }
        }
        return all;
    }

    private static Figure figure(Object o) {
        if (!(o instanceof Map<?, ?> f) || !(f.get("id") instanceof String id)
                || !(f.get("value") instanceof Number value) || !(f.get("unit") instanceof String unit)) {
            throw new IllegalArgumentException("bench report figure without id, numeric value and unit: " + o);
        }
        String label = f.get("label") instanceof String l ? l : id;
        Better better = Better.NONE;
        if (f.get("better") instanceof String b) {
            try {
                better = Better.valueOf(b.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("figure " + id + ": unknown direction '" + b + "'");
            }
        }
        return new Figure(id, label, value.doubleValue(), unit, better);
    }
}
