package dev.smallmind.cli;

import dev.smallmind.model.synth.SyntheticModelWriter;
import dev.smallmind.model.synth.SyntheticSpec;
import dev.smallmind.tensor.DType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/** {@code smallmind synth}: writes a synthetic benchmark model (random weights, real tokenizer) as GGUF. */
final class SynthCommand {
    int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        Args a = new Args(argv, Set.of("--json"));
        String preset = a.string("--preset", null, "small");
        DType type = type(a.string("--type", null, "f32"));
        Path output = Path.of(a.required("--output", "-o", "FILE"));
        long seed = a.longValue("--seed", 42);
        String vocab = a.string("--vocab", null, null);
        boolean json = a.flag("--json");
        a.finish();
        Path vocabPath = vocab == null ? null : Path.of(vocab);
        if (vocabPath != null && !Files.isRegularFile(vocabPath)) {
            throw new UsageException("no such vocabulary file: " + vocabPath);
        }
        SyntheticSpec spec = SyntheticSpec.preset(preset, type, seed);
        long t0 = System.nanoTime();
        SyntheticModelWriter.write(spec, vocabPath, output);
        double secs = (System.nanoTime() - t0) / 1e9;
        long bytes = Files.size(output);
        if (json) {
            out.println(dev.smallmind.json.JsonWriter.create().beginObject().field("file", output.toString())
                    .field("preset", preset).field("type", type.ggmlName()).field("bytes", bytes)
                    .field("seconds", secs).endObject());
        } else {
            out.printf("wrote %s: %s preset, %s, %.1f MiB in %.1f s%n", output, preset, type.ggmlName(),
                    bytes / 1048576.0, secs);
        }
        return 0;
    }

    private static DType type(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "f32" -> DType.F32;
            case "f16" -> DType.F16;
            case "bf16" -> DType.BF16;
            case "q8_0" -> DType.Q8_0;
            case "q4_0" -> DType.Q4_0;
            case "q4_k" -> DType.Q4_K;
            case "q6_k" -> DType.Q6_K;
            default -> throw new UsageException("--type must be one of f32, f16, bf16, q8_0, q4_0, q4_k, q6_k; got '"
                    + s + "'");
        };
    }
}
