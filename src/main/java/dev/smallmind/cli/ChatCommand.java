package dev.smallmind.cli;

import dev.smallmind.generate.FinishReason;
import dev.smallmind.generate.GenerationOptions;
import dev.smallmind.generate.GenerationResult;
import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.SamplerSettings;
import dev.smallmind.generate.Session;
import dev.smallmind.json.JsonWriter;
import dev.smallmind.tokenizer.ChatHistory;
import dev.smallmind.tokenizer.ChatTemplate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * {@code smallmind chat}: an interactive conversation on standard input, formatted with the model's chat
 * template ({@code tokenizer.chat_template}: llama-2, llama-3, chatml/qwen, phi-3, zephyr, mistral, ...; a plain
 * fallback otherwise). Each turn re-evaluates only the tokens the cache does not hold yet. When the conversation
 * outgrows the context, the oldest exchanges are left out ({@link ChatHistory}), keeping room for a reply of
 * {@code -n} tokens (at most half the context). {@code /exit} or end of input ends it; {@code /reset} starts over.
 * With {@code --json}, each reply (or refused message) is one JSON line.
 */
final class ChatCommand {
    int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        Args a = new Args(argv, Set.of("--json", ModelOptions.NO_WARMUP));
        ModelOptions mo = ModelOptions.read(a);
        String system = a.string("--system", null, null);
        int n = a.integer("--n-predict", "-n", 512);
        SamplerSettings sampler = SamplingOptions.read(a);
        boolean json = a.flag("--json");
        GenerationOptions options = new GenerationOptions(n, sampler, List.of(), true, SamplingOptions.format(a));
        a.finish();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (LanguageModel lm = mo.open(err); Session session = lm.newSession(mo.session())) {
            ChatTemplate template = ChatTemplate.fromGguf(lm.model().gguf());
            ChatHistory history = new ChatHistory(template, lm.tokenizer(), system);
            int ctx = session.contextLength();
            // Room kept for the reply when older exchanges must go: the reply's token limit, at most half the context;
            // a prompt may never take the last position, which the reply's first token needs.
            int limit = Math.max(1, ctx - 1);
            int budget = Math.max(1, Math.min(limit, ctx - Math.min(n, ctx / 2)));
            if (!json) {
                err.printf("chat with %s (template %s); /reset starts over, /exit or end of input quits%n",
                        lm.model().config().name(), template.family());
            }
            while (true) {
                if (!json) {
                    out.print("> ");
                    out.flush();
                }
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    return 0;
                }
                if (line.strip().equals("/reset")) {
                    history.clear();
                    session.reset();
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                history.addUser(line);
                // The whole conversation, BOS included, every turn: the session keeps what its cache already holds
                // of it (keepCommonPrefix) and evaluates the rest.
                ChatHistory.Prompt prompt = history.prompt(budget, limit);
                if (prompt.ids().length > ctx - 1) {
                    history.removeLast();
                    String refused = String.format("that message takes %d tokens as a prompt (template and"
                            + " system message included), more than the context of %d holds with room to reply; it"
                            + " was not sent (--ctx sets a larger context)", prompt.ids().length, ctx);
                    if (json) {
                        out.println(JsonWriter.create().beginObject().field("error", refused)
                                .field("prompt_tokens", prompt.ids().length).endObject());
                    } else {
                        err.println("smallmind: " + refused);
                    }
                    continue;
                }
                if (prompt.droppedMessages() > 0 && !json) {
                    err.printf("smallmind: left out the %d oldest messages to fit the context of %d tokens%n",
                            prompt.droppedMessages(), ctx);
                }
                int[] ids = prompt.ids();
                GenerationResult r = session.continueWith(ids, options, json ? (b, o, l) -> { } : (b, o, l) -> {
                    out.write(b, o, l);
                    out.flush();
                });
                history.addAssistant(r.text());
                if (json) {
                    out.println(JsonWriter.create().beginObject().field("reply", r.text())
                            .field("finish_reason", r.finishReason().label())
                            .field("prompt_tokens", ids.length)
                            .field("prompt_tokens_evaluated", r.timings().promptTokens())
                            .field("dropped_messages", prompt.droppedMessages())
                            .field("decode_tok_s", r.timings().decodeTokensPerSecond()).endObject());
                } else {
                    out.println();
                }
                if (r.finishReason() == FinishReason.CONTEXT_FULL) {
                    err.printf("smallmind: the reply filled the context of %d tokens; the next turn leaves out the"
                            + " oldest messages%n", ctx);
                }
            }
        }
    }
}
