package dev.smallmind.memory;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * Reads the JVM's own counters of garbage collections and of heap bytes allocated by given threads. Used around a
 * measured phase (not inside it): the readings themselves allocate a few small objects.
 */
public final class HeapCounters {
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** @return collections so far, summed over every collector */
    public long collections() {
        long total = 0;
        for (int i = 0; i < collectors.size(); i++) {
            long c = collectors.get(i).getCollectionCount();
            if (c > 0) {
                total += c;
            }
        }
        return total;
    }

    /**
     * @param threadIds threads to count (ids of live threads; dead ones count 0)
     * @return heap bytes they allocated over their lives, summed
     */
    public long allocatedBytes(long[] threadIds) {
        long total = 0;
        for (long id : threadIds) {
            long b = threads.getThreadAllocatedBytes(id);
            if (b > 0) {
                total += b;
            }
        }
        return total;
    }
}
