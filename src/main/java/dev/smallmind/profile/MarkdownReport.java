package dev.smallmind.profile;

import dev.smallmind.kernels.VectorHardware;

import java.util.List;

/**
 * Renders {@code report.md}: the machine table, then each section's explanation, charts (as image links to the
 * SVG files beside it), figure table and notes, then the trend over past runs and, when asked, the comparison
 * with an earlier report.
 */
final class MarkdownReport {
    private MarkdownReport() {
    }

    /**
     * @param report     the run
     * @param trend      line charts of past runs (may be empty)
     * @param runs       number of past runs (of this mode) the trend covers
     * @param comparison comparison with an earlier report, or null
     * @return the markdown text
     */
    static String render(Report report, List<LineChart> trend, int runs, Comparison comparison) {
        MachineInfo m = report.machine();
        StringBuilder b = new StringBuilder();
        b.append("# SmallMind performance report\n\n");
        b.append("Written by `smallmind bench").append(report.mode().equals("quick") ? " --quick" : "")
                .append("`; every figure below was measured in this run. How to read it: ")
                .append("`docs/performance-report.md`. All figures with their units: `report.json`.\n\n");
        b.append("| machine | |\n|---|---|\n");
        row(b, "CPU", m.cpu() + (m.features().isEmpty() ? "" : " (" + m.features() + ")"));
        row(b, "cores", Integer.toString(m.cores()));
        row(b, "vector width", m.vectorBits() + " bits (FloatVector.SPECIES_PREFERRED)");
        row(b, "JDK", m.jdk());
        row(b, "OS", m.os());
        row(b, "date (UTC)", m.date());
        row(b, "commit", m.commit());
        row(b, "mode", report.mode());
        row(b, "run time", String.format(java.util.Locale.ROOT, "%.0f s", report.seconds()));
        row(b, "load average at start", m.load() < 0 ? "unknown" : String.format(java.util.Locale.ROOT, "%.2f",
                m.load()));
        b.append('\n');
        if (m.loadWarning() != null) {
            b.append("> **Warning:** ").append(escape(m.loadWarning())).append(".\n\n");
        }
        VectorHardware.shortfall().ifPresent(w -> b.append("> **Warning:** ").append(escape(w)).append(".\n\n"));
        for (Section s : report.sections()) {
            b.append("## ").append(s.title()).append("\n\n").append(s.about()).append("\n\n");
            for (BarChart c : s.charts()) {
                b.append("![").append(escape(c.title())).append("](").append(c.fileName()).append(")\n\n");
            }
            if (!s.figures().isEmpty()) {
                b.append("| figure | value | id |\n|---|---:|---|\n");
                for (Figure f : s.figures()) {
                    b.append("| ").append(escape(f.label())).append(" | ").append(Units.format(f.value(), f.unit()))
                            .append(" | `").append(f.id()).append("` |\n");
                }
                b.append('\n');
            }
            for (String note : s.notes()) {
                b.append("> Note: ").append(escape(note)).append("\n\n");
            }
        }
        b.append("## Trend\n\n");
        if (trend.isEmpty()) {
            b.append("No earlier runs of this mode in `history.jsonl` yet.\n\n");
        } else {
            b.append("The last ").append(runs).append(" ").append(report.mode())
                    .append(" run(s) recorded in `history.jsonl` (this one included, oldest left).\n\n");
            for (LineChart c : trend) {
                b.append("![").append(escape(c.title())).append("](").append(c.fileName()).append(")\n\n");
            }
        }
        if (comparison != null) {
            b.append("## Comparison with ").append(escape(comparison.baseline())).append("\n\n")
                    .append(comparison.markdown()).append('\n');
        }
        return b.toString();
    }

    private static void row(StringBuilder b, String name, String value) {
        b.append("| ").append(name).append(" | ").append(escape(value)).append(" |\n");
    }

    /** @return text safe inside a markdown table cell or image title */
    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")
                .replace("\n", " ");
    }
}
