package dev.smallmind.profile;

import dev.smallmind.graph.Graph;
import dev.smallmind.graph.OpKind;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the time of a step goes: the per-node times a profiled {@link Graph} recorded, summed by op kind and by
 * node name with the layer prefix removed ({@code blk.7.attn_qkv} counts as {@code attn_qkv}), per step.
 *
 * @param steps      profiled runs of the graph
 * @param totalNanos time of all nodes over all runs
 * @param byKind     one entry per op kind that ran, slowest first
 * @param byName     one entry per node name, slowest first
 */
public record OpProfile(long steps, long totalNanos, List<Entry> byKind, List<Entry> byName) {
    /** Copies the lists. */
    public OpProfile {
        byKind = List.copyOf(byKind);
        byName = List.copyOf(byName);
    }

    /**
     * Time of one group of nodes.
     *
     * @param name           op kind or node name
     * @param microsPerStep  microseconds per step
     * @param share          fraction of all node time, 0 to 1
     */
    public record Entry(String name, double microsPerStep, double share) {
    }

    /**
     * @param graph a graph that ran with {@link Graph#profile} on
     * @return its profile
     */
    public static OpProfile of(Graph graph) {
        int n = graph.size();
        String[] names = new String[n];
        OpKind[] kinds = new OpKind[n];
        long[] nanos = new long[n];
        for (int i = 0; i < n; i++) {
            names[i] = graph.node(i).name();
            kinds[i] = graph.node(i).kind();
            nanos[i] = graph.nodeNanos(i);
        }
        return of(names, kinds, nanos, graph.profiledRuns());
    }

    /**
     * @param names node names
     * @param kinds node kinds
     * @param nanos time per node over all runs
     * @param steps number of runs (>= 1)
     * @return the aggregated profile
     */
    static OpProfile of(String[] names, OpKind[] kinds, long[] nanos, long steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("no profiled steps");
        }
        if (names.length != kinds.length || names.length != nanos.length) {
            throw new IllegalArgumentException("names, kinds and times differ in length: " + names.length + ", "
                    + kinds.length + ", " + nanos.length);
        }
        Map<String, Long> kind = new LinkedHashMap<>();
        Map<String, Long> name = new LinkedHashMap<>();
        long total = 0;
        for (int i = 0; i < names.length; i++) {
            kind.merge(kinds[i].name(), nanos[i], Long::sum);
            name.merge(baseName(names[i]), nanos[i], Long::sum);
            total += nanos[i];
        }
        return new OpProfile(steps, total, entries(kind, total, steps), entries(name, total, steps));
    }

    /**
     * @param node a node name
     * @return the name without a leading {@code blk.<layer>.}
     */
    static String baseName(String node) {
        if (node.startsWith("blk.")) {
            int dot = node.indexOf('.', 4);
            if (dot > 4 && node.substring(4, dot).chars().allMatch(Character::isDigit)) {
                return node.substring(dot + 1);
            }
        }
        return node;
    }

    /** @return microseconds of all nodes per step */
    public double microsPerStep() {
        return totalNanos / 1e3 / steps;
    }

    private static List<Entry> entries(Map<String, Long> sums, long total, long steps) {
        List<Entry> list = new ArrayList<>();
        for (Map.Entry<String, Long> e : sums.entrySet()) {
            list.add(new Entry(e.getKey(), e.getValue() / 1e3 / steps, total == 0 ? 0 : (double) e.getValue() / total));
        }
        list.sort(Comparator.comparingDouble(Entry::microsPerStep).reversed());
        return list;
    }
}
