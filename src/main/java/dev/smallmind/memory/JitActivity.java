package dev.smallmind.memory;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Whether the JIT compiler is still at work: its cumulative compilation time, read between warm-up calls. A
 * warm-up is over only once this stops growing; until then C2 may still replace the code being timed or
 * measured. Beside {@link HeapCounters}: both read the JVM's own counters for the engine's checks of itself.
 */
public final class JitActivity {
    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();
    private static final boolean MONITORED = JIT != null && JIT.isCompilationTimeMonitoringSupported();

    private JitActivity() {
    }

    /** @return milliseconds the JIT compilers have spent so far, or 0 when the JVM does not tell */
    public static long millis() {
        return MONITORED ? JIT.getTotalCompilationTime() : 0;
    }
}
