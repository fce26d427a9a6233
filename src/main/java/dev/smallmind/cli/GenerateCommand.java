package dev.smallmind.cli;

import dev.smallmind.generate.GenerationOptions;
import dev.smallmind.generate.GenerationResult;
import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.SamplerSettings;
import dev.smallmind.generate.Session;
import dev.smallmind.generate.TokenLatency;
import dev.smallmind.generate.TokenSink;
import dev.smallmind.json.JsonWriter;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Set;

/** {@code smallmind generate}: streams a completion of a prompt. */
final class GenerateCommand {
    int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        Args a = new Args(argv, Set.of("--json", ModelOptions.NO_WARMUP, "--context-shift"));
        ModelOptions mo = ModelOptions.read(a);
        String prompt = a.required("--prompt", "-p", "TEXT");
        int n = a.integer("--n-predict", "-n", 128);
        SamplerSettings sampler = SamplingOptions.read(a);
        boolean json = a.flag("--json");
        GenerationOptions options = new GenerationOptions(n, sampler, a.all("--stop"), true,
                SamplingOptions.format(a), a.flag("--context-shift"));
        a.finish();
        long opening = System.nanoTime();
        try (LanguageModel lm = mo.open(err); Session session = lm.newSession(mo.session())) {
            // mo.open(err) is the open and then the warm-up, if any
            double loadMs = lm.openNanos() / 1e6;
            double warmUpMs = mo.warmUp() ? (System.nanoTime() - opening - lm.openNanos()) / 1e6 : 0;
            TokenSink sink = json ? TokenSink.NONE : (bytes, off, len) -> {
                out.write(bytes, off, len);
                out.flush();
            };
            int[] promptIds = lm.tokenizer().encode(prompt, true, true);
            GenerationResult r = session.generate(promptIds, options, sink);
            if (json) {
                out.println(toJson(r, sampler.seed(), loadMs, warmUpMs));
            } else {
                out.println();
                err.printf("loaded in %.0f ms, warm-up %.0f ms; %d prompt tokens, %.1f tok/s prefill, ttft %.1f ms, "
                                + "%d tokens, %.1f tok/s decode (p50 / p99 %.2f / %.2f ms a token), %s%n", loadMs,
                        warmUpMs, r.promptTokens().length, r.timings().prefillTokensPerSecond(),
                        r.timings().firstTokenMillis(), r.tokens().length, r.timings().decodeTokensPerSecond(),
                        r.timings().tokenLatency().p50Nanos() / 1e6, r.timings().tokenLatency().p99Nanos() / 1e6,
                        r.finishReason().label());
                if (r.contextShifts() > 0) {
                    err.printf("the context was full %d time(s): each time the newer half was kept and evaluated"
                            + " again%n", r.contextShifts());
                }
            }
        }
        return 0;
    }

    private static String toJson(GenerationResult r, long seed, double loadMs, double warmUpMs) {
        JsonWriter w = JsonWriter.create().beginObject();
        w.name("prompt_tokens").beginArray();
        for (int id : r.promptTokens()) {
            w.value(id);
        }
        w.endArray().name("tokens").beginArray();
        for (int id : r.tokens()) {
            w.value(id);
        }
        w.endArray();
        w.field("text", r.text());
        w.field("finish_reason", r.finishReason().label());
        w.field("context_shifts", r.contextShifts());
        w.field("ttft_ms", r.timings().firstTokenMillis());
        w.field("prefill_tok_s", r.timings().prefillTokensPerSecond());
        w.field("decode_tok_s", r.timings().decodeTokensPerSecond());
        TokenLatency latency = r.timings().tokenLatency();
        w.field("token_ms_p50", latency.p50Nanos() / 1e6);
        w.field("token_ms_p90", latency.p90Nanos() / 1e6);
        w.field("token_ms_p99", latency.p99Nanos() / 1e6);
        w.field("token_ms_max", latency.maxNanos() / 1e6);
        w.field("gc_collections", r.memory().gcCollections());
        w.field("heap_bytes_per_token", r.memory().heapBytesPerToken());
        w.field("seed", seed);
        w.field("load_ms", loadMs);
        w.field("warmup_ms", warmUpMs);
        return w.endObject().toString();
    }
}
