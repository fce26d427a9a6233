package dev.smallmind.profile;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TerminalSummaryTest {
    @Test
    void showsTheLargestSizeWithBarsScaledWithinEachBlock() {
        String s = TerminalSummary.render(ReportFixtures.report("2026-01-01T00:00:00Z", 1));
        assertTrue(s.startsWith("SmallMind bench (full, 150 s): Test CPU, 2 cores, 256-bit vectors"), s);
        assertFalse(s.contains("n=256"), "only the largest GEMM is summarized:\n" + s);
        String one = line(s, "GEMM F32 n=512, 1 thread");
        String two = line(s, "GEMM F32 n=512, 2 threads");
        assertEquals(28, count(two, '#'), "the largest figure of a block fills the bar");
        assertEquals(Math.round(28 * 120 / 230.0), count(one, '#'));
        assertTrue(line(s, "small-f32, 1 thread: decode").contains("400 tok/s"));
        assertTrue(s.contains("note: matvec q4_K not measured: no kernel"));
    }

    @Test
    void selectKeepsOnlyTheLargestGroupValue() {
        List<Figure> f = List.of(new Figure("ew.add.1M", "a", 1, "GB/s", Better.HIGHER),
                new Figure("ew.add.16M", "b", 2, "GB/s", Better.HIGHER),
                new Figure("ew.mul.16M", "c", 3, "GB/s", Better.HIGHER),
                new Figure("ew.mul.16M.pct_triad", "d", 4, "%", Better.HIGHER));
        List<Figure> kept = TerminalSummary.select(f, Pattern.compile("ew\\.[a-z]+\\.(\\d+[KM]?)"));
        assertEquals(List.of("ew.add.16M", "ew.mul.16M"), kept.stream().map(Figure::id).toList());
        assertEquals(16 << 20, TerminalSummary.size("16M"));
        assertEquals(64 << 10, TerminalSummary.size("64K"));
        assertEquals(512, TerminalSummary.size("512"));
    }

    @Test
    void firstPerModelKeepsTheLeadingFiguresOfEachModel() {
        List<Figure> f = List.of(new Figure("hot.a.kind.matmul.share", "a1", 80, "%", Better.NONE),
                new Figure("hot.a.kind.attention.share", "a2", 15, "%", Better.NONE),
                new Figure("hot.a.kind.norm.share", "a3", 5, "%", Better.NONE),
                new Figure("hot.b.kind.matmul.share", "b1", 90, "%", Better.NONE),
                new Figure("hot.b.kind.rope.share", "b2", 10, "%", Better.NONE));
        assertEquals(List.of("a1", "a2", "b1", "b2"),
                TerminalSummary.firstPerModel(f, 2).stream().map(Figure::label).toList());
        assertEquals(f, TerminalSummary.firstPerModel(f, 0));
    }

    private static String line(String text, String label) {
        for (String l : text.split("\n")) {
            if (l.trim().startsWith(label + " ")) {
                return l;
            }
        }
        throw new AssertionError("no line for " + label + " in\n" + text);
    }

    private static long count(String s, char c) {
        return s.chars().filter(x -> x == c).count();
    }
}
