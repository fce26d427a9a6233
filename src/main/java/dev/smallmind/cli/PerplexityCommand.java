package dev.smallmind.cli;

import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.Perplexity;
import dev.smallmind.generate.Session;
import dev.smallmind.generate.SessionOptions;
import dev.smallmind.json.JsonWriter;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/** {@code smallmind perplexity}: llama-perplexity's figure on a text file. */
final class PerplexityCommand {
    int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        Args a = new Args(argv, Set.of("--json", ModelOptions.NO_WARMUP));
        ModelOptions mo = ModelOptions.read(a);
        Path file = Path.of(a.required("--file", "-f", "TEXTFILE"));
        int ctx = a.integer("--ctx-size", "-c", 512);
        if (ctx < 4) {
            throw new UsageException("-c must be >= 4, got " + ctx);
        }
        boolean json = a.flag("--json");
        a.finish();
        if (!Files.isRegularFile(file)) {
            throw new UsageException("no such text file: " + file);
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        try (LanguageModel lm = mo.open(err);
             Session session = lm.newSession(new SessionOptions(ctx, Math.min(mo.batch(), ctx), mo.kvType()))) {
            int[] tokens = lm.tokenizer().encode(text, true, false);
            int chunks = tokens.length / ctx;
            ProgressBar bar = new ProgressBar(err, "perplexity", chunks);
            Perplexity.Result r = Perplexity.compute(session, tokens, ctx, lm.tokenizer().bos(), bar::update);
            bar.done();
            if (json) {
                JsonWriter w = JsonWriter.create().beginObject();
                w.field("ppl", r.ppl()).field("stderr", r.stderr()).field("tokens", tokens.length)
                        .field("ctx", ctx).field("scored", r.scored());
                w.name("chunks").beginArray();
                for (double c : r.chunkPpl()) {
                    w.value(c);
                }
                out.println(w.endArray().endObject());
            } else {
                out.printf("%d tokens, %d chunks of %d: PPL = %.4f +/- %.5f%n", tokens.length, chunks, ctx, r.ppl(),
                        r.stderr());
            }
        }
        return 0;
    }
}
