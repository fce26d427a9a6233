package dev.smallmind.graph;

import dev.smallmind.parallel.WorkerPool;

/**
 * A planned, bound forward pass: nodes run in order, each split across the worker pool. Optionally records the
 * wall time of every node (off by default; when off the only cost is one branch per node).
 */
public final class Graph {
    private final Node[] nodes;
    private final Plan plan;
    private final long[] nanos;
    private boolean profiling;
    private long profiledRuns;

    Graph(Node[] nodes, Plan plan) {
        this.nodes = nodes;
        this.plan = plan;
        this.nanos = new long[nodes.length];
    }

    /**
     * Runs every node once for the step described by the session's step context.
     *
     * @param pool workers
     */
    public void run(WorkerPool pool) {
        Node[] ns = nodes;
        if (!profiling) {
            for (Node n : ns) {
                n.execute(pool);
            }
            return;
        }
        long[] t = nanos;
        long before = System.nanoTime();
        for (int i = 0; i < ns.length; i++) {
            ns[i].execute(pool);
            long now = System.nanoTime();
            t[i] += now - before;
            before = now;
        }
        profiledRuns++;
    }

    /**
     * Runs every node that is not a matrix product {@code repeats} times in a row, in graph order: a warm-up that
     * gets the cheap ops compiled. A model calls its norms, attention and activations once or twice per layer and
     * token, so in a model of few layers C2 compiles them only after thousands of tokens (a one-layer model: about
     * 5,000), and until then their Vector API code runs C1-compiled, boxing every vector. The matrix products have
     * their own warm-up loop and are skipped, so their outputs hold whatever an earlier step left. A repeated node
     * computes its output again from the same inputs, or, working in place, moves its values on (a residual grows,
     * a rotation turns further): warm-up steps run in a throwaway session.
     *
     * @param pool    workers
     * @param repeats runs of each node that is not a matrix product, at least 1
     */
    public void rehearse(WorkerPool pool, int repeats) {
        if (repeats < 1) {
            throw GraphText.repeats(repeats);
        }
        for (Node n : nodes) {
            if (n.kind() != OpKind.MATMUL) {
                for (int r = 0; r < repeats; r++) {
                    n.execute(pool);
                }
            }
        }
    }

    /** @return the planner's report */
    public Plan plan() {
        return plan;
    }

    /** @return number of nodes */
    public int size() {
        return nodes.length;
    }

    /**
     * @param i node index
     * @return the node
     */
    public Node node(int i) {
        return nodes[i];
    }

    /**
     * Turns per-node timing on or off; turning it on clears earlier figures.
     *
     * @param on whether to record
     */
    public void profile(boolean on) {
        if (on && !profiling) {
            java.util.Arrays.fill(nanos, 0);
            profiledRuns = 0;
        }
        profiling = on;
    }

    /**
     * @param i node index
     * @return nanoseconds spent in that node over all profiled runs
     */
    public long nodeNanos(int i) {
        return nanos[i];
    }

    /** @return runs recorded since profiling was turned on */
    public long profiledRuns() {
        return profiledRuns;
    }
}
