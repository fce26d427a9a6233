package dev.smallmind.graph;

import dev.smallmind.memory.StepArena;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects the nodes of a forward pass in execution order and the buffers between them, then plans and binds the
 * graph into a step arena. Model code declares a forward pass through a builder; it never calls kernels itself.
 */
public final class GraphBuilder {
    private final List<Node> nodes = new ArrayList<>();
    private final List<Buffer> buffers = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final List<Buffer> used = new ArrayList<>();
    private Plan plan;

    /**
     * @param name  buffer name (for plans)
     * @param bytes size
     * @return a new intermediate buffer
     */
    public Buffer buffer(String name, long bytes) {
        Buffer b = new Buffer(name, bytes);
        buffers.add(b);
        return b;
    }

    /**
     * Appends a node; it runs after every node added before it.
     *
     * @param node the node
     * @param <N>  its type
     * @return the node
     */
    public <N extends Node> N add(N node) {
        if (!names.add(node.name())) {
            throw new IllegalArgumentException("duplicate node name '" + node.name() + "'");
        }
        nodes.add(node);
        return node;
    }

    /**
     * Plans buffer offsets by lifetime. Call once, after the last node is added.
     *
     * @param keep buffers that must stay valid after the step ends (graph outputs such as logits); they live
     *             until the last node
     * @return the plan
     */
    public Plan plan(Buffer... keep) {
        if (plan != null) {
            throw new IllegalStateException("graph already planned");
        }
        for (int i = 0; i < nodes.size(); i++) {
            for (Buffer b : nodes.get(i).buffers()) {
                b.touch(i);
            }
        }
        for (Buffer b : keep) {
            b.touch(nodes.size() - 1);
        }
        for (Buffer b : buffers) {
            if (b.firstUse() >= 0) {
                used.add(b);
            }
        }
        plan = Planner.place(used, nodes.size());
        return plan;
    }

    /**
     * Allocates the planned bytes from {@code arena} and binds every node to them.
     *
     * @param arena step arena with at least {@link Plan#peakBytes()} bytes free
     * @return the runnable graph
     */
    public Graph bind(StepArena arena) {
        if (plan == null) {
            throw new IllegalStateException("plan the graph before binding it");
        }
        long base = arena.allocate(plan.peakBytes());
        for (Buffer b : used) {
            b.place(b.relativeOffset() + base);
        }
        for (Node n : nodes) {
            n.bind(arena.segment());
        }
        return new Graph(nodes.toArray(new Node[0]), plan);
    }
}
