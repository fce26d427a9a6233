package dev.smallmind.server;

import dev.smallmind.generate.FinishReason;
import dev.smallmind.generate.GenerationResult;
import dev.smallmind.generate.Timings;
import dev.smallmind.json.JsonWriter;

import java.nio.charset.StandardCharsets;

/**
 * The server's JSON bodies, in OpenAI's shapes ({@code text_completion}, {@code chat.completion} and their stream
 * chunks, errors) plus llama.cpp's {@code timings} and this engine's decode memory figures.
 *
 * @param chat    chat completion shapes rather than text completion ones
 * @param id      the response's id, shared by all chunks of a stream
 * @param created seconds since the epoch
 * @param model   the model's name
 */
record ResponseJson(boolean chat, String id, long created, String model) {
    /** Stands for the streamed text in a chunk's template; JsonWriter writes it as {@code \u0000}. */
    private static final String TEXT_MARK = "\u0000";
    private static final String ESCAPED_MARK = "\"\\u0000\"";

    /**
     * The whole answer of a request that did not stream.
     *
     * @param echoed   the prompt's text when the request asked to echo it, else empty
     * @param logprobs the tokens' log-probabilities when asked for, else null
     */
    String complete(int promptTokens, GenerationResult r, String echoed, TokenLogprobs logprobs) {
        JsonWriter w = head(chat ? "chat.completion" : "text_completion").name("choices").beginArray().beginObject()
                .field("index", 0);
        if (chat) {
            w.name("message").beginObject().field("role", "assistant").field("content", r.text()).endObject();
        } else {
            w.field("text", echoed + r.text());
        }
        w.name("logprobs");
        if (logprobs == null) {
            w.value((String) null);
        } else if (chat) {
            logprobs.writeChatForm(w);
        } else {
            logprobs.writeCompletionForm(w);
        }
        w.field("finish_reason", finishReason(r.finishReason())).endObject().endArray();
        return tail(w, promptTokens, r).toString();
    }

    /**
     * A stream chunk's bytes around its text: {@code [0]} everything up to the opening quote of the text, {@code [1]}
     * from its closing quote to the end of the event. The text goes between them, escaped.
     */
    byte[][] chunkTemplate() {
        JsonWriter w = head(chat ? "chat.completion.chunk" : "text_completion").name("choices").beginArray()
                .beginObject().field("index", 0);
        if (chat) {
            w.name("delta").beginObject().field("content", TEXT_MARK).endObject();
        } else {
            w.field("text", TEXT_MARK).name("logprobs").value((String) null);
        }
        String json = w.name("finish_reason").value((String) null).endObject().endArray().endObject().toString();
        int mark = json.lastIndexOf(ESCAPED_MARK);
        return new byte[][]{
                ("data: " + json.substring(0, mark + 1)).getBytes(StandardCharsets.UTF_8),
                (json.substring(mark + ESCAPED_MARK.length() - 1) + "\n\n").getBytes(StandardCharsets.UTF_8)};
    }

    /** A chat stream's first event: the assistant's role, no text yet. */
    String roleChunk() {
        return head("chat.completion.chunk").name("choices").beginArray().beginObject().field("index", 0)
                .name("delta").beginObject().field("role", "assistant").field("content", "").endObject()
                .name("finish_reason").value((String) null).endObject().endArray().endObject().toString();
    }

    /** A stream's last event before {@code [DONE]}: the finish reason, usage and timings. */
    String finalChunk(int promptTokens, GenerationResult r) {
        JsonWriter w = head(chat ? "chat.completion.chunk" : "text_completion").name("choices").beginArray()
                .beginObject().field("index", 0);
        if (chat) {
            w.name("delta").beginObject().endObject();
        } else {
            w.field("text", "").name("logprobs").value((String) null);
        }
        w.field("finish_reason", finishReason(r.finishReason())).endObject().endArray();
        return tail(w, promptTokens, r).toString();
    }

    /** {@code {"error":{"message":...,"type":...,"code":status}}}. */
    static String error(int status, String type, String message) {
        return JsonWriter.create().beginObject().name("error").beginObject().field("message", message)
                .field("type", type).field("code", status).endObject().endObject().toString();
    }

    /**
     * OpenAI's finish reasons: {@code stop} for an end-of-generation token, a stop string or a closed JSON object,
     * {@code length} for the token limit or a full context; {@code cancelled} when the client went away.
     */
    static String finishReason(FinishReason reason) {
        return switch (reason) {
            case EOS, STOP, FORMAT_COMPLETE -> "stop";
            case LENGTH, CONTEXT_FULL -> "length";
            case CANCELLED -> "cancelled";
        };
    }

    private JsonWriter head(String object) {
        return JsonWriter.create().beginObject().field("id", id).field("object", object).field("created", created)
                .field("model", model);
    }

    private static JsonWriter tail(JsonWriter w, int promptTokens, GenerationResult r) {
        Timings t = r.timings();
        int generated = r.tokens().length;
        w.name("usage").beginObject().field("prompt_tokens", promptTokens).field("completion_tokens", generated)
                .field("total_tokens", promptTokens + generated).endObject();
        w.name("timings").beginObject()
                .field("cache_n", promptTokens - t.promptTokens())
                .field("prompt_n", t.promptTokens())
                .field("prompt_ms", t.prefillNanos() / 1e6)
                .field("prompt_per_second", t.prefillTokensPerSecond())
                .field("predicted_n", generated)
                .field("predicted_ms", t.decodeNanos() / 1e6)
                .field("predicted_per_second", t.decodeTokensPerSecond())
                .field("predicted_ms_p50", t.tokenLatency().p50Nanos() / 1e6)
                .field("predicted_ms_p99", t.tokenLatency().p99Nanos() / 1e6)
                .field("predicted_ms_max", t.tokenLatency().maxNanos() / 1e6)
                .endObject();
        w.name("memory").beginObject().field("gc_collections", r.memory().gcCollections())
                .field("heap_bytes_per_token", r.memory().heapBytesPerToken()).endObject();
        return w.endObject();
    }
}
