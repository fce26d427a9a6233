package dev.smallmind.profile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link InferenceBench} on one model in a JVM of its own, as a process serving that model runs it. In the report's
 * JVM the machine probes, the kernel benchmarks and the models before it have shaped the JIT's profiles: main jobs
 * measured in one JVM reported 18.6 MiB per decoded token for medium Q8_0 (2 runs of 2 at 4907041, 1 of 3 at
 * 0c7b15f) and 720 KiB for small F32 (the first model, once), where the same models in processes of their own
 * decode without allocating (docs/architecture.md, "Several models in one JVM"). A JVM whose decode still
 * allocates after the warm-up met that lottery; the model is measured again in a new JVM and the report says so.
 */
final class IsolatedInference {
    /** A decode allocating more than this per token (the engine's zero-GC bound) is measured again. */
    static final double ALLOCATING_BYTES_PER_TOKEN = 1024;
    private static final String TICK = "smallmind-inference-tick";
    private static final String RESULT = "smallmind-inference-result ";
    private static final String ERROR = "smallmind-inference-error ";
    private static final long TIMEOUT_SECONDS = 3600;

    private IsolatedInference() {
    }

    /**
     * What a model's measurement gave.
     *
     * @param result the figures (of the second JVM when the first one's decode allocated)
     * @param note   what the report should say about how they were taken, or null
     */
    record Outcome(InferenceBench.ModelResult result, String note) {
    }

    /**
     * @param tick called once per thread count of the first JVM (progress)
     * @throws IllegalStateException naming what went wrong when the child JVM could not measure the model
     */
    static Outcome run(String name, Path file, int[] threads, InferenceBench.Workload w, Runnable tick)
            throws IOException {
        InferenceBench.ModelResult first = measure(name, file, threads, w, tick);
        String allocating = allocation(first);
        if (allocating == null) {
            return new Outcome(first, null);
        }
        InferenceBench.ModelResult second = measure(name, file, threads, w, () -> { });
        String again = allocation(second);
        return new Outcome(second, note(name, allocating, again));
    }

    /**
     * @param first  what the first JVM's decode allocated ({@link #allocation})
     * @param second what the second one's did, or null
     * @return the report's note on a model measured twice
     */
    static String note(String name, String first, String second) {
        return second == null
                ? name + ": the decode of its first JVM allocated " + first + ", the JIT lottery of "
                + "docs/architecture.md (\"Several models in one JVM\"); the figures are from a second JVM, whose "
                + "decode did not allocate"
                : name + ": its decode allocated " + first + " in a first JVM and " + second + " in a second: "
                + "code that allocates, not a lottery; the second JVM's figures are shown";
    }

    /** @return how much the decode of {@code r} allocated, or null when no thread count's decode did */
    static String allocation(InferenceBench.ModelResult r) {
        for (InferenceBench.Run run : r.runs()) {
            if (run.gcCollections() > 0 || run.heapBytesPerToken() > ALLOCATING_BYTES_PER_TOKEN) {
                return Units.bytes(run.heapBytesPerToken()) + "/token on " + run.threads() + " thread(s) ("
                        + run.gcCollections() + " GC collections)";
            }
        }
        return null;
    }

    private static InferenceBench.ModelResult measure(String name, Path file, int[] threads,
                                                      InferenceBench.Workload w, Runnable tick) throws IOException {
        List<String> args = List.of(name, file.toString(), csv(threads), Integer.toString(w.promptTokens()),
                Integer.toString(w.generateTokens()), Integer.toString(w.repetitions()),
                Integer.toString(w.profileSteps()), Double.toString(w.warmupSeconds()));
        String[] result = {null};
        String[] error = {null};
        try {
            ChildJvm.run(IsolatedInference.class, List.of(), args, TIMEOUT_SECONDS, line -> {
                if (line.equals(TICK)) {
                    tick.run();
                } else if (line.startsWith(RESULT)) {
                    result[0] = line.substring(RESULT.length());
                } else if (line.startsWith(ERROR)) {
                    error[0] = line.substring(ERROR.length());
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring " + file, e);
        } catch (IllegalStateException e) {
            throw error[0] != null ? new IllegalStateException(error[0], e) : e;
        }
        if (result[0] == null) {
            throw new IllegalStateException("the JVM measuring " + file + " ended without figures");
        }
        return ModelResultJson.read(result[0]);
    }

    private static String csv(int[] values) {
        List<String> parts = new ArrayList<>();
        for (int v : values) {
            parts.add(Integer.toString(v));
        }
        return String.join(",", parts);
    }

    /**
     * The child JVM: measures one model and prints its figures as one line of JSON.
     *
     * @param args name, model file, thread counts (comma-separated), prompt tokens, generated tokens, repetitions,
     *             profiled steps, warm-up seconds
     */
    public static void main(String[] args) {
        try {
            String[] parts = args[2].split(",");
            int[] threads = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                threads[i] = Integer.parseInt(parts[i]);
            }
            InferenceBench.Workload w = new InferenceBench.Workload(Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6]),
                    Double.parseDouble(args[7]));
            InferenceBench.ModelResult r = InferenceBench.run(args[0], Path.of(args[1]), threads, w, () -> {
                System.out.println(TICK);
                System.out.flush();
            });
            System.out.println(RESULT + ModelResultJson.write(r));
            System.out.flush();
        } catch (Exception e) {
            System.out.println(ERROR + (e.getMessage() == null ? e.toString() : e.getMessage()));
            System.out.flush();
            System.exit(3);
        }
    }
}
