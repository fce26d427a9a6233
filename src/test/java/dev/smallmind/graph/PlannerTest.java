package dev.smallmind.graph;

import dev.smallmind.memory.StepArena;
import dev.smallmind.parallel.WorkerPool;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlannerTest {
    /** A node that writes its id into its output and checks that its inputs still hold their producers' ids. */
    private static final class StampNode extends Node {
        private final Buffer[] inputs;
        private final Buffer output;
        private final int id;
        private final List<String> errors;
        private MemorySegment arena;

        StampNode(int id, Buffer[] inputs, Buffer output, List<String> errors) {
            super("n" + id, OpKind.ELEMENTWISE);
            this.id = id;
            this.inputs = inputs;
            this.output = output;
            this.errors = errors;
        }

        @Override
        protected Buffer[] buffers() {
            Buffer[] all = java.util.Arrays.copyOf(inputs, inputs.length + 1);
            all[inputs.length] = output;
            return all;
        }

        @Override
        protected void bind(MemorySegment arena) {
            this.arena = arena;
        }

        @Override
        protected void execute(WorkerPool pool) {
            for (Buffer in : inputs) {
                long words = in.bytes() / 8;
                int expected = Integer.parseInt(in.name());
                for (long w = 0; w < words; w++) {
                    if (arena.get(ValueLayout.JAVA_LONG, in.offset() + 8 * w) != expected) {
                        errors.add("node " + id + " found input " + in.name() + " overwritten");
                        return;
                    }
                }
            }
            long words = output.bytes() / 8;
            for (long w = 0; w < words; w++) {
                arena.set(ValueLayout.JAVA_LONG, output.offset() + 8 * w, Integer.parseInt(output.name()));
            }
        }

        @Override
        public void run(int from, int to, int worker) {
        }
    }

    @Test
    void liveBuffersNeverOverlapAndDeadOnesAreReused() {
        SplittableRandom r = new SplittableRandom(7);
        for (int trial = 0; trial < 50; trial++) {
            GraphBuilder g = new GraphBuilder();
            List<Buffer> produced = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            int nodes = 5 + r.nextInt(40);
            for (int i = 0; i < nodes; i++) {
                Buffer out = g.buffer(Integer.toString(i), 8L * (1 + r.nextInt(200)));
                Buffer[] inputs = new Buffer[produced.isEmpty() ? 0 : 1 + r.nextInt(Math.min(3, produced.size()))];
                for (int k = 0; k < inputs.length; k++) {
                    int back = Math.min(produced.size(), 1 + r.nextInt(4));
                    inputs[k] = produced.get(produced.size() - back);
                }
                g.add(new StampNode(i, inputs, out, errors));
                produced.add(out);
            }
            Plan plan = g.plan(produced.get(produced.size() - 1));
            try (StepArena arena = new StepArena("test", plan.peakBytes())) {
                Graph graph = g.bind(arena);
                graph.run(new WorkerPool(1));
            }
            assertTrue(errors.isEmpty(), errors.toString());
            assertTrue(plan.peakBytes() <= plan.totalBytes());
            assertEquals(nodes, plan.nodes());
        }
    }

    @Test
    void chainOfTemporariesReusesMemory() {
        GraphBuilder g = new GraphBuilder();
        List<String> errors = new ArrayList<>();
        Buffer prev = null;
        for (int i = 0; i < 10; i++) {
            Buffer out = g.buffer(Integer.toString(i), 1024);
            g.add(new StampNode(i, prev == null ? new Buffer[0] : new Buffer[] {prev}, out, errors));
            prev = out;
        }
        Plan plan = g.plan(prev);
        assertEquals(2 * 1024, plan.peakBytes(), "a chain needs only two live buffers at a time");
        assertEquals(10 * 1024, plan.totalBytes());
        assertEquals(0.8, plan.reuseRatio(), 1e-9);
        assertFalse(plan.reuseRatio() > 1);
    }
}
