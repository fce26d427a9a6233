package dev.smallmind.profile;

import dev.smallmind.graph.OpKind;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OpProfileTest {
    @Test
    void sumsByKindAndByLayerlessNamePerStep() {
        String[] names = {"token_embd", "blk.0.attn_qkv", "blk.0.attention", "blk.1.attn_qkv", "blk.1.attention",
                "output"};
        OpKind[] kinds = {OpKind.EMBED, OpKind.MATMUL, OpKind.ATTENTION, OpKind.MATMUL, OpKind.ATTENTION,
                OpKind.MATMUL};
        long[] nanos = {1_000, 20_000, 5_000, 22_000, 6_000, 46_000};
        OpProfile p = OpProfile.of(names, kinds, nanos, 2);
        assertEquals(2, p.steps());
        assertEquals(100_000, p.totalNanos());
        assertEquals(50, p.microsPerStep(), 1e-12);
        assertEquals(3, p.byKind().size());
        OpProfile.Entry matmul = p.byKind().get(0);
        assertEquals("MATMUL", matmul.name());
        assertEquals(44, matmul.microsPerStep(), 1e-12);
        assertEquals(0.88, matmul.share(), 1e-12);
        assertEquals("ATTENTION", p.byKind().get(1).name());
        assertEquals(5.5, p.byKind().get(1).microsPerStep(), 1e-12);
        assertEquals(4, p.byName().size());
        assertEquals("output", p.byName().get(0).name());
        assertEquals(23, p.byName().get(0).microsPerStep(), 1e-12);
        assertEquals("attn_qkv", p.byName().get(1).name());
        assertEquals(21, p.byName().get(1).microsPerStep(), 1e-12);
        double shares = 0;
        for (OpProfile.Entry e : p.byName()) {
            shares += e.share();
        }
        assertEquals(1, shares, 1e-12);
    }

    @Test
    void onlyANumericLayerPrefixIsRemoved() {
        assertEquals("ffn_down", OpProfile.baseName("blk.12.ffn_down"));
        assertEquals("output_norm", OpProfile.baseName("output_norm"));
        assertEquals("blk.x.odd", OpProfile.baseName("blk.x.odd"));
        assertEquals("blk.", OpProfile.baseName("blk."));
    }

    @Test
    void rejectsNoStepsAndMismatchedArrays() {
        assertThrows(IllegalArgumentException.class, () -> OpProfile.of(new String[0], new OpKind[0], new long[0], 0));
        assertThrows(IllegalArgumentException.class, () -> OpProfile.of(new String[] {"a"}, new OpKind[0],
                new long[] {1}, 1));
    }
}
