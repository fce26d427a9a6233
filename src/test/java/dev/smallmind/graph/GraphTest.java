package dev.smallmind.graph;

import dev.smallmind.memory.StepArena;
import dev.smallmind.parallel.WorkerPool;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GraphTest {
    /** Records its name in a shared log each time it runs. */
    private static final class LoggingNode extends Node {
        private final Buffer output;
        private final List<String> log;

        LoggingNode(String name, OpKind kind, Buffer output, List<String> log) {
            super(name, kind);
            this.output = output;
            this.log = log;
        }

        @Override
        protected Buffer[] buffers() {
            return new Buffer[] {output};
        }

        @Override
        protected void bind(MemorySegment arena) {
        }

        @Override
        protected void execute(WorkerPool pool) {
            log.add(name());
        }

        @Override
        public void run(int from, int to, int worker) {
        }
    }

    private static Graph graph(StepArena arena, List<String> log, OpKind... kinds) {
        GraphBuilder g = new GraphBuilder();
        Buffer last = null;
        for (int i = 0; i < kinds.length; i++) {
            last = g.buffer("b" + i, 64);
            g.add(new LoggingNode("n" + i, kinds[i], last, log));
        }
        g.plan(last);
        return g.bind(arena);
    }

    @Test
    void runExecutesEveryNodeOnceInOrder() {
        List<String> log = new ArrayList<>();
        try (StepArena arena = new StepArena("graph test", 4096); WorkerPool pool = new WorkerPool(1)) {
            graph(arena, log, OpKind.NORM, OpKind.MATMUL, OpKind.ATTENTION).run(pool);
        }
        assertEquals(List.of("n0", "n1", "n2"), log);
    }

    @Test
    void rehearseRepeatsEachCheapNodeInPlaceAndSkipsTheMatrixProducts() {
        List<String> log = new ArrayList<>();
        try (StepArena arena = new StepArena("graph test", 4096); WorkerPool pool = new WorkerPool(1)) {
            graph(arena, log, OpKind.NORM, OpKind.MATMUL, OpKind.ATTENTION, OpKind.MATMUL, OpKind.ELEMENTWISE)
                    .rehearse(pool, 3);
        }
        assertEquals(List.of("n0", "n0", "n0", "n2", "n2", "n2", "n4", "n4", "n4"), log);
    }

    @Test
    void rehearseRejectsFewerThanOneRun() {
        try (StepArena arena = new StepArena("graph test", 4096); WorkerPool pool = new WorkerPool(1)) {
            Graph g = graph(arena, new ArrayList<>(), OpKind.NORM);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.rehearse(pool, 0));
            assertEquals("repeats must be at least 1, got 0", e.getMessage());
        }
    }
}
