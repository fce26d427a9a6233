package dev.smallmind.cli;

import dev.smallmind.generate.LanguageModel;
import dev.smallmind.json.JsonWriter;
import dev.smallmind.profile.ThroughputBench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code smallmind bench -m FILE}: llama-bench's table (pp and tg tokens per second per thread count) for one
 * model file.
 */
final class BenchCommand {
    int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        Args a = new Args(argv, Set.of("--json"));
        Path file = Path.of(a.required("--model", "-m", "FILE (a GGUF model)"));
        int prompt = a.integer("--n-prompt", "-p", 128);
        int gen = a.integer("--n-gen", "-n", 64);
        int reps = a.integer("--repetitions", "-r", 3);
        int[] threads = threadList(a.string("--threads", "-t", "1,2"));
        boolean json = a.flag("--json");
        a.finish();
        if (prompt < 0 || gen < 0 || prompt + gen == 0) {
            throw new UsageException("-p and -n must be >= 0 and not both 0");
        }
        if (reps < 1) {
            throw new UsageException("-r must be >= 1, got " + reps);
        }
        if (!Files.isRegularFile(file)) {
            throw new UsageException("no such model file: " + file);
        }
        JsonWriter w = JsonWriter.create().beginObject();
        String type = null;
        if (!json) {
            out.printf("| %-40s | %-8s | %7s | %8s | %18s |%n", "model", "type", "threads", "test", "t/s");
            out.printf("|%s|%s|%s|%s|%s|%n", "-".repeat(42), "-".repeat(10), "-".repeat(9), "-".repeat(10),
                    "-".repeat(20));
        }
        for (int t : threads) {
            try (LanguageModel lm = LanguageModel.open(file, t)) {
                if (type == null) {
                    type = lm.model().weights().layers()[0].down().type().ggmlName();
                    w.field("model", file.getFileName().toString()).field("type", type);
                    w.name("results").beginArray();
                }
                for (ThroughputBench.Result r : ThroughputBench.run(lm, prompt, gen, reps)) {
                    w.beginObject().field("threads", t).field("test", r.test()).field("tok_s", r.tokS())
                            .field("stddev", r.stddev()).endObject();
                    if (!json) {
                        out.printf("| %-40s | %-8s | %7d | %8s | %9.2f ± %6.2f |%n", file.getFileName(), type, t,
                                r.test(), r.tokS(), r.stddev());
                    }
                }
            }
        }
        if (json) {
            out.println(w.endArray().endObject());
        }
        return 0;
    }

    private static int[] threadList(String s) {
        String[] parts = s.split(",");
        int[] t = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                t[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UsageException("-t expects comma-separated thread counts, got '" + s + "'");
            }
            if (t[i] < 1 || t[i] > dev.smallmind.parallel.WorkerPool.MAX_THREADS) {
                throw new UsageException("thread count must be between 1 and "
                        + dev.smallmind.parallel.WorkerPool.MAX_THREADS + ", got " + t[i]);
            }
        }
        return t;
    }
}
