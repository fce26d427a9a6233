package dev.smallmind.profile;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComparisonTest {
    private static Map<String, Figure> figures(Figure... fs) {
        Map<String, Figure> m = new LinkedHashMap<>();
        for (Figure f : fs) {
            m.put(f.id(), f);
        }
        return m;
    }

    private static Figure f(String id, double v, Better b) {
        return new Figure(id, id, v, "u", b);
    }

    @Test
    void flagsRegressionsByDirectionBeyondTheThreshold() {
        Map<String, Figure> before = figures(f("fast", 100, Better.HIGHER), f("slower", 100, Better.HIGHER),
                f("bit.slower", 100, Better.HIGHER), f("latency", 10, Better.LOWER), f("latency.ok", 10, Better.LOWER),
                f("size", 5, Better.NONE), f("gone", 1, Better.HIGHER));
        Map<String, Figure> after = figures(f("fast", 130, Better.HIGHER), f("slower", 85, Better.HIGHER),
                f("bit.slower", 95, Better.HIGHER), f("latency", 12, Better.LOWER), f("latency.ok", 8, Better.LOWER),
                f("size", 50, Better.NONE), f("new", 1, Better.HIGHER));
        Comparison c = Comparison.of("old.json", before, after, 0.10);
        assertEquals(5, c.rows().size(), "descriptive and unmatched figures are not compared");
        assertEquals(2, c.regressions(), "85/100 and 12/10 are regressions; 95/100 is within 10 %");
        assertEquals(2, c.improvements(), "130/100 and 8/10");
        assertEquals(java.util.List.of("gone"), c.missing());
        Comparison.Row slower = c.rows().get(1);
        assertEquals("slower", slower.after().id());
        assertEquals(0.85, slower.ratio(), 1e-12);
        assertTrue(slower.regression());
        assertFalse(c.rows().get(2).regression());
        String text = c.text();
        assertTrue(text.contains("REGRESSION"));
        assertTrue(text.contains("x0.85"));
        assertTrue(text.indexOf("slower") < text.indexOf("fast"), "regressions first, then improvements:\n" + text);
        assertFalse(text.contains("bit.slower"), "figures within the threshold are only counted");
        assertTrue(c.markdown().contains("| bit.slower |"), "the markdown table lists every figure");
        assertTrue(c.verdict().contains("2 regressions"), c.verdict());
        assertTrue(c.markdown().contains("**regression**"));
    }

    @Test
    void aZeroBaselineRegressesOnlyWhenLowerIsBetterAndItRose() {
        Map<String, Figure> before = figures(f("gc", 0, Better.LOWER), f("gc.same", 0, Better.LOWER),
                f("rate", 0, Better.HIGHER));
        Map<String, Figure> after = figures(f("gc", 2, Better.LOWER), f("gc.same", 0, Better.LOWER),
                f("rate", 5, Better.HIGHER));
        Comparison c = Comparison.of("old", before, after, 0.1);
        assertEquals(1, c.regressions());
        assertTrue(c.rows().get(0).regression());
        assertTrue(Double.isNaN(c.rows().get(0).ratio()));
        assertTrue(c.text().contains("n/a"));
    }

    @Test
    void comparesAReportWithItsOwnJson() {
        Report old = ReportFixtures.report("2026-01-01T00:00:00Z", 1);
        Report now = ReportFixtures.report("2026-01-02T00:00:00Z", 0.5);
        Comparison c = Comparison.of("old", Report.figures(old.toJson()), now.figures(), 0.1);
        assertEquals(6, c.rows().size());
        assertEquals(5, c.regressions(), "every throughput halved and the latency doubled; GC stayed at 0");
    }

    @Test
    void rejectsANonPositiveThreshold() {
        assertThrows(IllegalArgumentException.class, () -> Comparison.of("x", Map.of(), Map.of(), 0));
    }
}
