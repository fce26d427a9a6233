package dev.smallmind.cli;

import dev.smallmind.json.JsonWriter;
import dev.smallmind.model.Architecture;
import dev.smallmind.model.synth.SyntheticModelWriter;
import dev.smallmind.model.synth.SyntheticSpec;
import dev.smallmind.tensor.DType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * {@code smallmind synth}: writes a synthetic model (random weights, real tokenizer) as GGUF: a preset's shape, or
 * any shape given by the reference writer's own options ({@code --dim}, {@code --layers}, {@code --heads},
 * {@code --kv-heads}, {@code --ffn}, {@code --ctx}, {@code --rope-theta}, {@code --embd-type}).
 */
final class SynthCommand {
    private static final String TYPES = "f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k";

    int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        Args a = new Args(argv, Set.of("--json"));
        String preset = a.string("--preset", null, "small");
        DType type = type(a.string("--type", null, "f32"));
        SyntheticSpec base = SyntheticSpec.preset(preset, type, 0);
        Architecture arch = Architecture.fromGguf(a.string("--arch", null, base.architecture().ggufName()));
        int dim = a.integer("--dim", null, base.dim());
        int layers = a.integer("--layers", null, base.layers());
        int heads = a.integer("--heads", null, base.heads());
        int kvHeads = a.integer("--kv-heads", null, base.kvHeads());
        int ffn = a.integer("--ffn", null, base.ffn());
        int context = a.integer("--ctx", null, base.context());
        float ropeBase = a.number("--rope-theta", null, base.ropeBase());
        String embd = a.string("--embd-type", null, null);
        DType embedType = embd == null ? base.embedType() : embd.equalsIgnoreCase("same") ? type : type(embd);
        Path output = Path.of(a.required("--output", "-o", "FILE"));
        long seed = a.longValue("--seed", 42);
        String vocab = a.string("--vocab", null, null);
        boolean json = a.flag("--json");
        a.finish();
        Path vocabPath = vocab == null ? null : Path.of(vocab);
        if (vocabPath != null && !Files.isRegularFile(vocabPath)) {
            throw new UsageException("no such vocabulary file: " + vocabPath);
        }
        SyntheticSpec spec = new SyntheticSpec(arch, dim, layers, heads, kvHeads, ffn, context, ropeBase, type,
                embedType, seed);
        long t0 = System.nanoTime();
        SyntheticModelWriter.write(spec, vocabPath, output);
        double secs = (System.nanoTime() - t0) / 1e9;
        long bytes = Files.size(output);
        String name = SyntheticModelWriter.name(spec);
        if (json) {
            out.println(JsonWriter.create().beginObject().field("file", output.toString())
                    .field("name", name).field("preset", preset).field("type", type.ggmlName()).field("bytes", bytes)
                    .field("seconds", secs).endObject());
        } else {
            out.printf("wrote %s: %s, %.1f MiB in %.1f s%n", output, name, bytes / 1048576.0, secs);
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
            case "q4_1" -> DType.Q4_1;
            case "q5_0" -> DType.Q5_0;
            case "q5_1" -> DType.Q5_1;
            case "q4_k" -> DType.Q4_K;
            case "q5_k" -> DType.Q5_K;
            case "q6_k" -> DType.Q6_K;
            default -> throw new UsageException("a type must be one of " + TYPES + "; got '" + s + "'");
        };
    }

}
