package dev.smallmind.profile;

import dev.smallmind.graph.Plan;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a model measured in a JVM of its own hands back ({@link ModelResultJson}) and how the report names a decode
 * that allocated ({@link IsolatedInference}).
 */
class IsolatedInferenceTest {
    private static InferenceBench.Run run(int threads, long gc, double heapPerToken) {
        return new InferenceBench.Run(threads, new Stats(3, 612.25, 600.1, 0.1 + 0.2, 1e-300, 9.87654321e17),
                new Stats(3, 54.3, Double.NaN, 0, 7.0e-5, Double.MIN_VALUE), new Stats(1, 12, 12, 0, 12, 12),
                new Stats(3, 4.25, 4.5, 0.25, 4.0, 5.125), new Stats(3, 9.5, 10, 1, 8.75, 21.0625), gc, heapPerToken);
    }

    private static InferenceBench.ModelResult result(List<InferenceBench.Run> runs) {
        return new InferenceBench.ModelResult("medium-q8_0", "llama dim 576, \"30\" layers\n", new InferenceBench.Workload(
                128, 64, 3, 32, 2.5), 206_571_520L, runs, new Plan(393, 454, 132_096, 4_162_560),
                new Plan(393, 814, 7_172_096, 595_263_488L), 46_080, -1, 1L << 40, 3_000_000_000L,
                new OpProfile(32, 201_000_000L, List.of(new OpProfile.Entry("matmul", 5800.5, 0.958)),
                        List.of(new OpProfile.Entry("blk.0.attn_q", 12.25, 1.0 / 3))));
    }

    @Test
    void everyFigureSurvivesTheTripExactly() {
        InferenceBench.ModelResult r = result(List.of(run(1, 0, 0), run(2, 11, 19_519_488.5)));
        String json = ModelResultJson.write(r);
        assertTrue(json.indexOf('\n') < 0, "one line, so the child JVM can print it as one: " + json);
        assertEquals(r, ModelResultJson.read(json));
    }

    @Test
    void absentPlansAndProfileStayAbsent() {
        InferenceBench.ModelResult r = new InferenceBench.ModelResult("m", "s", new InferenceBench.Workload(1, 2, 1,
                1, 1), 1, List.of(run(1, 0, 0)), null, null, 0, 0, 0, 0, null);
        InferenceBench.ModelResult back = ModelResultJson.read(ModelResultJson.write(r));
        assertNull(back.decodePlan());
        assertNull(back.profile());
        assertEquals(r, back);
    }

    @Test
    void aMalformedResultNamesTheField() {
        String json = ModelResultJson.write(result(List.of(run(1, 0, 0)))).replace("\"gc_collections\":0",
                "\"gc_collections\":\"none\"");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelResultJson.read(json));
        assertTrue(e.getMessage().contains("gc_collections"), e.getMessage());
    }

    @Test
    void theNoteTellsALotteryFromCodeThatAllocates() {
        String lottery = IsolatedInference.note("medium-q8_0", "18.6 MiB/token", null);
        assertTrue(lottery.contains("JIT lottery") && lottery.contains("second JVM, whose decode did not allocate"),
                lottery);
        String both = IsolatedInference.note("small-f32", "720 KiB/token", "719 KiB/token");
        assertTrue(both.contains("720 KiB/token in a first JVM and 719 KiB/token in a second")
                && both.contains("not a lottery"), both);
    }

    @Test
    void aDecodeThatAllocatesIsNamedWithItsThreadCount() {
        assertNull(IsolatedInference.allocation(result(List.of(run(1, 0, 0), run(2, 0, 1024)))),
                "up to 1 KB per token is the engine's zero-GC bound");
        String named = IsolatedInference.allocation(result(List.of(run(1, 0, 0), run(2, 11, 19_519_488))));
        assertEquals("18.6 MiB/token on 2 thread(s) (11 GC collections)", named);
        assertNotEquals(null, IsolatedInference.allocation(result(List.of(run(1, 1, 0)))),
                "a collection counts even when the bytes per token are small");
    }
}
