package dev.smallmind.server;

import dev.smallmind.generate.GenerationOptions;
import dev.smallmind.generate.OutputFormat;
import dev.smallmind.generate.SamplerSettings;
import dev.smallmind.tokenizer.ChatMessage;
import dev.smallmind.tokenizer.ChatTemplate;
import dev.smallmind.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One {@code /v1/completions} or {@code /v1/chat/completions} request, checked and turned into what a session
 * runs. Fields follow OpenAI's API with llama.cpp's server extensions ({@code top_k}, {@code min_p},
 * {@code repeat_penalty}, {@code repeat_last_n}, {@code cache_prompt}, {@code n_predict}); sampling defaults are
 * llama.cpp's, as in {@code smallmind generate}. {@code "response_format": {"type": "json_object"}} holds the output
 * to one JSON object ({@link OutputFormat#JSON}). Fields it does not know are ignored, as OpenAI clients send many;
 * known ones it cannot honour ({@code n} above 1, {@code best_of}, {@code suffix}, {@code tools}, {@code logit_bias},
 * llama.cpp's {@code grammar} and {@code json_schema}, a {@code response_format} of another type) are refused rather
 * than silently dropped.
 *
 * @param prompt      token ids to evaluate (at least one)
 * @param options     what to generate; {@code maxTokens} fits the context with the prompt (without a limit in
 *                    the request, all the room the prompt leaves)
 * @param stream      whether to answer with server-sent events
 * @param cachePrompt whether to reuse the KV cache's common prefix with the previous request
 * @param logprobs    how many most likely alternatives to report with each token's log-probability, or
 *                    {@link #NO_LOGPROBS}
 * @param echo        whether the answer starts with the prompt, its tokens' log-probabilities included
 */
record CompletionRequest(int[] prompt, GenerationOptions options, boolean stream, boolean cachePrompt, int logprobs,
                         boolean echo) {
    /** {@link #logprobs} when none were asked for. */
    static final int NO_LOGPROBS = -1;
    /** The most alternatives a token's log-probability may list (OpenAI allows 5 for completions, 20 for chat). */
    static final int MAX_TOP_LOGPROBS = 20;
    /** A token limit of -1, or none, generates until the context is full (llama.cpp's {@code n_predict = -1}). */
    private static final long UNTIL_FULL = -1;

    /**
     * @param body          the parsed JSON body
     * @param chat          true for chat messages, false for a prompt
     * @param tokenizer     the model's tokenizer
     * @param template      the model's chat template
     * @param contextLength positions the session holds
     * @throws ApiException (400) naming the first field that is wrong
     */
    static CompletionRequest parse(Object body, boolean chat, Tokenizer tokenizer, ChatTemplate template,
                                   int contextLength) {
        RequestFields f = new RequestFields(body);
        refuseUnsupported(f);
        int[] prompt = chat ? tokenizer.encode(template.render(messages(f), true), true, true) : prompt(f, tokenizer);
        if (prompt.length == 0) {
            throw ApiException.invalid("the prompt is empty after tokenization");
        }
        int room = contextLength - prompt.length;
        if (room < 0) {
            throw ApiException.invalid("the prompt is " + prompt.length + " tokens, more than the context of "
                    + contextLength);
        }
        String maxName = chat && f.has("max_completion_tokens") ? "max_completion_tokens"
                : !f.has("max_tokens") && f.has("n_predict") ? "n_predict" : "max_tokens";
        long max = f.integer(maxName, UNTIL_FULL, UNTIL_FULL, Integer.MAX_VALUE);
        if (max == UNTIL_FULL) {
            max = room;
        } else if (max > room) {
            throw ApiException.invalid("the prompt (" + prompt.length + " tokens) and '" + maxName + "' (" + max
                    + ") exceed the context of " + contextLength + " tokens");
        }
        SamplerSettings defaults = SamplerSettings.defaults(0);
        SamplerSettings sampler;
        try {
            sampler = new SamplerSettings(
                    f.decimal("temperature", defaults.temperature()),
                    (int) f.integer("top_k", defaults.topK(), 0, Integer.MAX_VALUE),
                    f.decimal("top_p", defaults.topP()),
                    f.decimal("min_p", defaults.minP()),
                    f.decimal("repeat_penalty", defaults.repeatPenalty()),
                    f.decimal("frequency_penalty", defaults.frequencyPenalty()),
                    f.decimal("presence_penalty", defaults.presencePenalty()),
                    (int) f.integer("repeat_last_n", defaults.penaltyWindow(), 0, Integer.MAX_VALUE),
                    f.integer("seed", System.nanoTime(), Long.MIN_VALUE, Long.MAX_VALUE));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage());
        }
        GenerationOptions options;
        try {
            options = new GenerationOptions((int) max, sampler, stops(f), true, format(f));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("'stop': " + e.getMessage());
        }
        boolean stream = f.bool("stream", false);
        int logprobs = chat ? chatLogprobs(f) : (int) f.integer("logprobs", NO_LOGPROBS, 0, MAX_TOP_LOGPROBS);
        boolean echo = !chat && f.bool("echo", false);
        if (stream && (logprobs != NO_LOGPROBS || echo)) {
            throw ApiException.invalid("log-probabilities and 'echo' are not streamed: ask for them without 'stream'");
        }
        return new CompletionRequest(prompt, options, stream, f.bool("cache_prompt", true), logprobs, echo);
    }

    /** Chat's form: {@code "logprobs": true} and {@code "top_logprobs": k}. */
    private static int chatLogprobs(RequestFields f) {
        boolean wanted = f.bool("logprobs", false);
        if (!wanted && f.has("top_logprobs")) {
            throw ApiException.invalid("'top_logprobs' needs \"logprobs\": true");
        }
        return wanted ? (int) f.integer("top_logprobs", 0, 0, MAX_TOP_LOGPROBS) : NO_LOGPROBS;
    }

    private static void refuseUnsupported(RequestFields f) {
        if (f.integer("n", 1, 1, Long.MAX_VALUE) != 1) {
            throw ApiException.invalid("'n' must be 1: one completion per request");
        }
        for (String name : List.of("best_of", "suffix", "tools", "logit_bias", "grammar", "json_schema")) {
            Object v = f.raw(name);
            if (v != null && !Boolean.FALSE.equals(v)) {
                throw ApiException.invalid("'" + name + "' is not supported by this server");
            }
        }
    }

    /** OpenAI's {@code response_format}: {@code {"type": "text"}} (the default) or {@code {"type": "json_object"}}. */
    private static OutputFormat format(RequestFields f) {
        Object r = f.raw("response_format");
        if (r == null) {
            return OutputFormat.TEXT;
        }
        if (!(r instanceof Map<?, ?> m) || !(m.get("type") instanceof String type)) {
            throw ApiException.invalid("'response_format' must be an object with a string 'type', got "
                    + JsonTypes.name(r));
        }
        return switch (type) {
            case "text" -> OutputFormat.TEXT;
            case "json_object" -> OutputFormat.JSON;
            default -> throw ApiException.invalid("'response_format' type '" + type + "' is not supported: use"
                    + " \"text\" or \"json_object\" (JSON schemas are not supported)");
        };
    }

    private static int[] prompt(RequestFields f, Tokenizer tokenizer) {
        Object p = f.raw("prompt");
        if (p instanceof String s) {
            return tokenizer.encode(s, true, true);
        }
        if (p instanceof List<?> list && !list.isEmpty()) {
            if (list.size() == 1 && list.getFirst() instanceof String s) {
                return tokenizer.encode(s, true, true);
            }
            int[] ids = new int[list.size()];
            for (int i = 0; i < ids.length; i++) {
                if (!(list.get(i) instanceof Long id) || id < 0 || id >= tokenizer.vocabSize()) {
                    throw ApiException.invalid("'prompt' as an array must hold token ids in [0, "
                            + tokenizer.vocabSize() + "); element " + i + " is " + JsonTypes.name(list.get(i))
                            + " " + list.get(i));
                }
                ids[i] = (int) (long) id;
            }
            return ids;
        }
        throw ApiException.invalid("'prompt' must be a string or an array of token ids, got " + JsonTypes.name(p)
                + (p instanceof List<?> ? " that is empty" : ""));
    }

    private static List<ChatMessage> messages(RequestFields f) {
        if (!(f.raw("messages") instanceof List<?> list) || list.isEmpty()) {
            throw ApiException.invalid("'messages' must be a non-empty array of {\"role\", \"content\"} objects, got "
                    + JsonTypes.name(f.raw("messages")));
        }
        List<ChatMessage> messages = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> m) || !(m.get("role") instanceof String role)) {
                throw ApiException.invalid("messages[" + i + "] must be an object with a string 'role'");
            }
            messages.add(new ChatMessage(role, content(m.get("content"), i)));
        }
        return messages;
    }

    /** A message's content: a string, or OpenAI's array of parts, of which only text parts are supported. */
    private static String content(Object c, int i) {
        if (c instanceof String s) {
            return s;
        }
        if (c instanceof List<?> parts) {
            StringBuilder text = new StringBuilder();
            for (int j = 0; j < parts.size(); j++) {
                if (!(parts.get(j) instanceof Map<?, ?> part) || !"text".equals(part.get("type"))
                        || !(part.get("text") instanceof String s)) {
                    throw ApiException.invalid("messages[" + i + "].content[" + j
                            + "] must be {\"type\": \"text\", \"text\": ...}: only text parts are supported");
                }
                text.append(s);
            }
            return text.toString();
        }
        throw ApiException.invalid("messages[" + i + "].content must be a string or an array of text parts, got "
                + JsonTypes.name(c));
    }

    private static List<String> stops(RequestFields f) {
        Object s = f.raw("stop");
        if (s == null) {
            return List.of();
        }
        if (s instanceof String one) {
            return List.of(one);
        }
        if (s instanceof List<?> list) {
            List<String> stops = new ArrayList<>(list.size());
            for (Object o : list) {
                if (!(o instanceof String str)) {
                    throw ApiException.invalid("'stop' must be a string or an array of strings; it holds "
                            + JsonTypes.name(o));
                }
                stops.add(str);
            }
            return stops;
        }
        throw ApiException.invalid("'stop' must be a string or an array of strings, got " + JsonTypes.name(s));
    }
}
