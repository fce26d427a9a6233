package dev.smallmind.bench;

import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.Session;
import dev.smallmind.generate.SessionOptions;
import dev.smallmind.model.synth.SyntheticModelWriter;
import dev.smallmind.model.synth.SyntheticSpec;
import dev.smallmind.tensor.DType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One decode step (a token at position 64 of a warm cache) and one 128-token prefill step of the synthetic
 * presets, through the whole engine (planned graph, worker pool, KV cache). Run with {@code -prof gc} to see
 * the decode step allocate ~0 B/op. Models are synthesized on first use into {@code .smallmind/models/}.
 *
 * <pre>./smallmind jmh ModelStepBench -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:TypeProfileLevel=0", "-XX:LiveNodeCountInliningCutoff=80000",
        "-XX:+UseSerialGC"})
public class ModelStepBench {
    private static final int PREFILL = 128;
    private static final int DECODE_AT = 64;

    @Param({"small", "medium"})
    public String preset;

    @Param({"f32", "q8_0", "q4_0"})
    public String type;

    @Param({"1", "2"})
    public int threads;

    private LanguageModel lm;
    private Session session;
    private final int[] tokens = new int[PREFILL];
    private final int[] decodePrefix = new int[DECODE_AT + 1];

    @Setup(Level.Trial)
    public void open() throws Exception {
        Path file = Path.of(".smallmind", "models", preset + "-" + type + ".gguf");
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            Path vocab = Path.of("..", "shared", "vocab", "ggml-vocab-llama-spm.gguf");
            SyntheticModelWriter.write(SyntheticSpec.preset(preset, DType.valueOf(type.toUpperCase(Locale.ROOT)),
                    42), Files.exists(vocab) ? vocab : null, file);
        }
        lm = LanguageModel.open(file, threads);
        lm.warmUp();
        session = lm.newSession(new SessionOptions(PREFILL + 1, PREFILL));
        for (int i = 0; i < PREFILL; i++) {
            tokens[i] = 100 + 7 * i;
        }
        System.arraycopy(tokens, 0, decodePrefix, 0, DECODE_AT + 1);
    }

    @TearDown(Level.Trial)
    public void close() {
        session.close();
        lm.close();
    }

    /** One token through the whole model at position 64 (the 64 cached positions before it are kept). */
    @Benchmark
    public void decodeStep() {
        if (session.keepCommonPrefix(decodePrefix) != DECODE_AT) {
            session.reset();
            session.evaluate(tokens, 0, DECODE_AT);
        }
        session.evaluate(tokens[DECODE_AT]);
    }

    /** 128 prompt tokens as one batch from an empty cache. */
    @Benchmark
    public void prefillStep() {
        session.reset();
        session.evaluate(tokens, 0, PREFILL);
    }
}
