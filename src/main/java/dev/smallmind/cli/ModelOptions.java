package dev.smallmind.cli;

import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.SessionOptions;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.DType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The options every model command shares: {@code -m FILE}, {@code --threads N}, {@code --ctx N}, {@code -b N},
 * {@code --kv-type f16|f32} (the KV cache's element type, F16 by default as in llama.cpp), {@code --no-warmup}
 * (skip {@link LanguageModel#warmUp()}).
 */
record ModelOptions(Path file, int threads, int contextLength, int batch, DType kvType, boolean warmUp) {
    /** The flag that skips the kernel warm-up; commands that take model options declare it. */
    static final String NO_WARMUP = "--no-warmup";


    static ModelOptions read(Args a) {
        Path file = Path.of(a.required("--model", "-m", "FILE (a GGUF model)"));
        int threads = a.integer("--threads", "-t", WorkerPool.defaultThreads());
        if (threads < 1 || threads > WorkerPool.MAX_THREADS) {
            throw new UsageException("--threads must be between 1 and " + WorkerPool.MAX_THREADS + ", got " + threads);
        }
        int ctx = a.integer("--ctx", null, 0);
        if (ctx < 0) {
            throw new UsageException("--ctx must be >= 0 (0 = automatic), got " + ctx);
        }
        int batch = a.integer("--batch", "-b", SessionOptions.DEFAULT_BATCH);
        if (batch < 1) {
            throw new UsageException("--batch must be >= 1, got " + batch);
        }
        String kv = a.string("--kv-type", null, "f16");
        DType kvType = switch (kv) {
            case "f16" -> DType.F16;
            case "f32" -> DType.F32;
            default -> throw new UsageException("--kv-type must be f16 or f32, got " + kv);
        };
        return new ModelOptions(file, threads, ctx, batch, kvType, !a.flag(NO_WARMUP));
    }

    /** Opens the model and warms it up unless told not to, warning on {@code err} when the warm-up did not settle. */
    LanguageModel open(PrintStream err) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new UsageException("no such model file: " + file);
        }
        LanguageModel lm = LanguageModel.open(file, threads);
        if (warmUp) {
            lm.warmUp(session());
            warnIfUnsettled(lm, err);
        }
        return lm;
    }

    /** Tells the user their JVM met the JIT lottery {@link LanguageModel#warmUpSettled()} describes. */
    static void warnIfUnsettled(LanguageModel lm, PrintStream err) {
        if (!lm.warmUpSettled()) {
            err.printf("smallmind: warning: the warm-up did not settle: its last generation still allocated %.0f heap "
                    + "bytes per token, so the JIT has compiled some vector code of this process into allocating "
                    + "calls; expect slower, allocating decode (a new process rarely meets it again)%n",
                    lm.warmUpHeapBytesPerToken());
        }
    }

    SessionOptions session() {
        return new SessionOptions(contextLength, batch, kvType);
    }
}
