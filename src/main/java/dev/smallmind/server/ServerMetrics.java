package dev.smallmind.server;

import dev.smallmind.generate.GenerationResult;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters for {@code GET /metrics}, in Prometheus' text format (llama.cpp's server has the like): requests by
 * outcome, tokens and seconds of prompt evaluation and decoding, and the decode phases' garbage collections and
 * engine-thread heap bytes, so that a zero-GC claim can be watched on a running service. Updated once per request.
 */
final class ServerMetrics {
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong busy = new AtomicLong();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong cachedTokens = new AtomicLong();
    private final AtomicLong promptNanos = new AtomicLong();
    private final AtomicLong decodeTokens = new AtomicLong();
    private final AtomicLong decodeNanos = new AtomicLong();
    private final AtomicLong decodeCollections = new AtomicLong();
    private final AtomicLong decodeHeapBytes = new AtomicLong();

    /** A generation that ran to its end (any finish reason). */
    void completed(int prompt, GenerationResult r) {
        completed.incrementAndGet();
        promptTokens.addAndGet(r.timings().promptTokens());
        cachedTokens.addAndGet(prompt - r.timings().promptTokens());
        promptNanos.addAndGet(r.timings().prefillNanos());
        decodeTokens.addAndGet(r.timings().decodeTokens());
        decodeNanos.addAndGet(r.timings().decodeNanos());
        decodeCollections.addAndGet(r.memory().gcCollections());
        decodeHeapBytes.addAndGet(r.memory().heapBytes());
    }

    /** A request answered with an error status: 503 when the queue was full, else a 4xx or 500. */
    void refused(int status) {
        (status == 503 ? busy : refused).incrementAndGet();
    }

    /**
     * @param processing requests generating or waiting now
     * @return the exposition text
     */
    String text(int processing) {
        StringBuilder out = new StringBuilder();
        counter(out, "requests_completed_total", "Completion requests answered in full.", completed.get());
        counter(out, "requests_refused_total", "Requests answered with a 4xx or 500 status.", refused.get());
        counter(out, "requests_busy_total", "Requests answered 503 because the queue was full.", busy.get());
        gauge(out, "requests_processing", "Completion requests generating or waiting now.", processing);
        counter(out, "prompt_tokens_total", "Prompt tokens evaluated.", promptTokens.get());
        counter(out, "prompt_tokens_cached_total", "Prompt tokens reused from the KV cache.", cachedTokens.get());
        counter(out, "prompt_seconds_total", "Time spent evaluating prompts.", promptNanos.get() / 1e9);
        counter(out, "decode_tokens_total", "Tokens evaluated one at a time after the prompts.", decodeTokens.get());
        counter(out, "decode_seconds_total", "Time spent decoding, sampling included.", decodeNanos.get() / 1e9);
        counter(out, "decode_gc_collections_total", "Garbage collections during decode phases.",
                decodeCollections.get());
        counter(out, "decode_heap_bytes_total", "Heap bytes the engine's threads allocated during decode phases.",
                decodeHeapBytes.get());
        return out.toString();
    }

    private static void counter(StringBuilder out, String name, String help, double value) {
        metric(out, name, help, "counter", value);
    }

    private static void gauge(StringBuilder out, String name, String help, double value) {
        metric(out, name, help, "gauge", value);
    }

    private static void metric(StringBuilder out, String name, String help, String type, double value) {
        String full = "smallmind_" + name;
        out.append("# HELP ").append(full).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(full).append(' ').append(type).append('\n');
        out.append(full).append(' ');
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            out.append((long) value);
        } else {
            out.append(value);
        }
        out.append('\n');
    }
}
