package dev.smallmind.profile;

import dev.smallmind.json.Json;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportJsonTest {
    @Test
    void everyFigureRoundTripsWithItsUnitAndDirection() {
        Report r = ReportFixtures.report("2026-01-01T00:00:00Z", 1.5);
        Map<String, Figure> back = Report.figures(r.toJson());
        assertEquals(r.figures(), back);
    }

    @Test
    void theDocumentCarriesTheMachineLine() {
        Report r = ReportFixtures.report("2026-01-01T00:00:00Z", 1);
        Map<?, ?> doc = (Map<?, ?>) Json.parse(r.toJson());
        assertEquals(Report.FORMAT, doc.get("format"));
        Map<?, ?> machine = (Map<?, ?>) doc.get("machine");
        for (String key : List.of("cpu", "cores", "vector_bits", "jdk", "date", "commit")) {
            assertTrue(machine.containsKey(key), "machine." + key);
        }
        assertEquals(256L, machine.get("vector_bits"));
        List<?> sections = (List<?>) doc.get("sections");
        assertEquals(List.of("matmul-gemm.svg"), ((Map<?, ?>) sections.get(0)).get("charts"));
        assertEquals(List.of("matvec q4_K not measured: no kernel"), ((Map<?, ?>) sections.get(0)).get("notes"));
    }

    @Test
    void rejectsDocumentsThatAreNotReports() {
        assertThrows(IllegalArgumentException.class, () -> Report.figures("{\"a\": 1}"));
        assertThrows(IllegalArgumentException.class, () -> Report.figures("[1, 2]"));
        assertThrows(IllegalArgumentException.class, () -> Report.figures("{\"format\": \"smallmind-bench-report\"}"));
        assertThrows(IllegalArgumentException.class, () -> Report.figures("{\"format\": \"smallmind-bench-report\","
                + " \"sections\": [{\"figures\": [{\"id\": \"x\", \"value\": \"fast\", \"unit\": \"u\"}]}]}"));
        assertThrows(IllegalArgumentException.class, () -> Report.figures("not json"));
    }

    @Test
    void figuresMustBeFiniteAndNamed() {
        assertThrows(IllegalArgumentException.class, () -> new Figure("x", "x", Double.NaN, "u", Better.NONE));
        assertThrows(IllegalArgumentException.class, () -> new Figure("", "x", 1, "u", Better.NONE));
        assertThrows(IllegalArgumentException.class, () -> new Figure("x", "x", 1, "", Better.NONE));
    }
}
