package dev.smallmind.profile;

import java.util.ArrayList;
import java.util.List;

/**
 * One part of the report: its figures (the table), the charts drawn from them, and notes on anything that could
 * not be measured.
 *
 * @param id      short name, also the prefix of chart file names
 * @param title   heading
 * @param about   one paragraph saying what was measured and how
 * @param figures numbers in the order they are shown
 * @param charts  bar charts of some of them
 * @param notes   measurements skipped and why, and how figures were taken where a reader should know it
 */
public record Section(String id, String title, String about, List<Figure> figures, List<BarChart> charts,
                     List<String> notes) {
    /** Copies the lists. */
    public Section {
        figures = List.copyOf(figures);
        charts = List.copyOf(charts);
        notes = List.copyOf(notes);
    }

    /** Collects a section's parts while its measurements run. */
    public static final class Builder {
        private final String id;
        private final String title;
        private String about;
        private final List<Figure> figures = new ArrayList<>();
        private final List<BarChart> charts = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();

        /**
         * @param id    short name
         * @param title heading
         * @param about what was measured and how
         */
        public Builder(String id, String title, String about) {
            this.id = id;
            this.title = title;
            this.about = about;
        }

        /**
         * @param f a figure
         * @return f, for charts built from it
         */
        public Figure add(Figure f) {
            figures.add(f);
            return f;
        }

        /**
         * @param chart a chart
         * @return this
         */
        public Builder chart(BarChart chart) {
            charts.add(chart);
            return this;
        }

        /**
         * @param note why something was not measured, or how it was; a note already present is not repeated
         * @return this
         */
        public Builder note(String note) {
            if (!notes.contains(note)) {
                notes.add(note);
            }
            return this;
        }

        /**
         * @param text replaces the paragraph saying what was measured (when it depends on the measurements)
         * @return this
         */
        public Builder about(String text) {
            about = text;
            return this;
        }

        /** @return the section */
        public Section build() {
            return new Section(id, title, about, figures, charts, notes);
        }
    }
}
