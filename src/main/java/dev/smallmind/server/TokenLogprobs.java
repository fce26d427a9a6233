package dev.smallmind.server;

import dev.smallmind.generate.LogProbs;
import dev.smallmind.generate.Session;
import dev.smallmind.generate.TokenSink;
import dev.smallmind.json.JsonWriter;
import dev.smallmind.tokenizer.Tokenizer;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Each token's log-probability under the model, from the raw logits before any sampler (llama.cpp's
 * {@code n_probs}), with its {@code top} most likely alternatives: the prompt's tokens when asked to echo them
 * (teacher-forced through {@link Session#score}), then each generated token as the session samples it. An opt-in of
 * a request, so it allocates per token.
 */
final class TokenLogprobs implements TokenSink {
    private record Entry(int token, double logprob, int[] topIds, double[] topLogprobs) {
    }

    private final Session session;
    private final Tokenizer tokenizer;
    private final int top;
    private final List<Entry> entries = new ArrayList<>();

    /**
     * @param session   the generating session, whose latest logits each {@link #token} reads
     * @param tokenizer the model's tokenizer, for the tokens' text
     * @param top       how many alternatives per token (0 for none)
     */
    TokenLogprobs(Session session, Tokenizer tokenizer, int top) {
        this.session = session;
        this.tokenizer = tokenizer;
        this.top = top;
    }

    /**
     * Resets the session and evaluates {@code prompt} with every position's logits kept: the first token gets no
     * log-probability, each later one the probability the model gave it after the tokens before it. The prompt then
     * fills the cache, which the generation that follows reuses.
     */
    void scorePrompt(int[] prompt) {
        session.reset();
        entries.add(new Entry(prompt[0], Double.NaN, new int[0], new double[0]));
        session.score(prompt, (i, logits, offset) -> {
            if (i + 1 < prompt.length) {
                add(prompt[i + 1], logits, offset);
            }
        });
    }

    @Override
    public void text(byte[] bytes, int offset, int length) {
    }

    /** Called right after the session sampled {@code token} from its latest logits. */
    @Override
    public void token(int token) {
        add(token, session.logits(), session.logitsOffset());
    }

    private void add(int token, MemorySegment logits, long offset) {
        LogProbs lp = new LogProbs(logits, offset, session.vocabSize());
        int[] ids = lp.top(top);
        double[] values = new double[ids.length];
        for (int i = 0; i < ids.length; i++) {
            values[i] = lp.of(ids[i]);
        }
        entries.add(new Entry(token, lp.of(token), ids, values));
    }

    /**
     * OpenAI's completion form: {@code {"tokens", "token_logprobs", "top_logprobs", "text_offset"}}, offsets in
     * characters of the answer's text, which starts with the first recorded token.
     */
    void writeCompletionForm(JsonWriter w) {
        w.beginObject().name("tokens").beginArray();
        for (Entry e : entries) {
            w.value(tokenizer.piece(e.token()));
        }
        w.endArray().name("token_logprobs").beginArray();
        for (Entry e : entries) {
            w.value(e.logprob());
        }
        w.endArray().name("top_logprobs").beginArray();
        for (Entry e : entries) {
            if (Double.isNaN(e.logprob())) {
                w.value((String) null);
                continue;
            }
            w.beginObject();
            for (int i = 0; i < e.topIds().length; i++) {
                w.field(tokenizer.piece(e.topIds()[i]), e.topLogprobs()[i]);
            }
            w.endObject();
        }
        w.endArray().name("text_offset").beginArray();
        long offset = 0;
        for (Entry e : entries) {
            w.value(offset);
            offset += tokenizer.piece(e.token()).length();
        }
        w.endArray().endObject();
    }

    /** OpenAI's chat form: {@code {"content": [{"token", "logprob", "bytes", "top_logprobs": [...]}]}}. */
    void writeChatForm(JsonWriter w) {
        w.beginObject().name("content").beginArray();
        for (Entry e : entries) {
            tokenObject(w, e.token(), e.logprob()).name("top_logprobs").beginArray();
            for (int i = 0; i < e.topIds().length; i++) {
                tokenObject(w, e.topIds()[i], e.topLogprobs()[i]).endObject();
            }
            w.endArray().endObject();
        }
        w.endArray().endObject();
    }

    private JsonWriter tokenObject(JsonWriter w, int token, double logprob) {
        byte[] bytes = tokenizer.tokenBytes(token);
        w.beginObject().field("token", new String(bytes, StandardCharsets.UTF_8)).field("logprob", logprob)
                .name("bytes").beginArray();
        for (byte b : bytes) {
            w.value(b & 0xFF);
        }
        return w.endArray();
    }
}
