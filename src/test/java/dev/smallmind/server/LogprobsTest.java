package dev.smallmind.server;

import dev.smallmind.SharedData;
import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.SessionOptions;
import dev.smallmind.model.Golden;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.smallmind.server.ServerTestClient.Reply;
import static dev.smallmind.server.ServerTestClient.firstChoice;
import static dev.smallmind.server.ServerTestClient.loopback;
import static dev.smallmind.server.ServerTestClient.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Log-probabilities over HTTP against llama-server's own: stories260K with an F32 KV cache, as the golden file was
 * made (the server execution forks a JVM per test class).
 */
class LogprobsTest {
    private static LanguageModel lm;
    private static CompletionServer server;
    private static Map<?, ?> golden;

    @BeforeAll
    static void start() throws IOException {
        golden = (Map<?, ?>) ((List<?>) Golden.load("stories260K.greedy.json").get("cases")).get(0);
        lm = LanguageModel.open(SharedData.require("models/stories260K.gguf"), 2);
        SessionOptions f32 = SessionOptions.DEFAULTS.withKvType(DType.F32);
        lm.warmUp(f32);
        server = CompletionServer.start(lm, f32, loopback(0, null), null);
    }

    @AfterAll
    static void stop() {
        ServerTestClient.closeAll(server, lm);
    }

    /**
     * llama-server's {@code n_probs} for stories260K's greedy generation (F32 cache, as the golden file was made):
     * each generated token's log-probability and its top 5, within GoldenLogprobTest's tolerance for this model.
     */
    @Test
    void logprobsOfAGreedyCompletionAreLlamaServersNProbs() throws Exception {
        {
            Reply r = ServerTestClient.post(server.port(), "/v1/completions", "{\"prompt\": \"" + golden.get("prompt")
                    + "\", \"max_tokens\": 64, \"temperature\": 0, \"logprobs\": 5}");
            assertEquals(200, r.status(), r.body());
            Map<?, ?> logprobs = (Map<?, ?>) firstChoice(r.json()).get("logprobs");
            List<?> expected = (List<?>) golden.get("top_logprobs");
            List<?> chosen = (List<?>) logprobs.get("token_logprobs");
            List<?> tops = (List<?>) logprobs.get("top_logprobs");
            assertEquals(expected.size(), chosen.size());
            for (int j = 0; j < expected.size(); j++) {
                List<?> top5 = (List<?>) expected.get(j);
                assertEquals(number(((List<?>) top5.getFirst()).get(1)), number(chosen.get(j)), 1e-4, "position " + j);
                List<Double> values = ((Map<?, ?>) tops.get(j)).values().stream().map(ServerTestClient::number)
                        .toList();
                assertEquals(top5.size(), values.size(), "position " + j);
                for (int i = 0; i < top5.size(); i++) {
                    assertEquals(number(((List<?>) top5.get(i)).get(1)), values.get(i), 1e-4, "position " + j);
                }
            }
            assertEquals(golden.get("generated_text"), firstChoice(r.json()).get("text"));
        }
    }

    /**
     * {@code echo} with {@code max_tokens: 0}, as evaluation harnesses score a text: the prompt's tokens come back
     * with their teacher-forced log-probabilities, the first with none. Fed the golden prompt and generation as ids,
     * the generated positions give llama-server's figures.
     */
    @Test
    void echoScoresThePromptTokens() throws Exception {
        List<?> promptIds = (List<?>) golden.get("prompt_ids");
        List<Object> ids = new ArrayList<>(promptIds);
        ids.addAll((List<?>) golden.get("generated_ids"));
        {
            Reply r = ServerTestClient.post(server.port(), "/v1/completions", "{\"prompt\": " + ids
                    + ", \"max_tokens\": 0, \"echo\": true, \"logprobs\": 1}");
            assertEquals(200, r.status(), r.body());
            Map<?, ?> json = r.json();
            Map<?, ?> logprobs = (Map<?, ?>) firstChoice(json).get("logprobs");
            List<?> values = (List<?>) logprobs.get("token_logprobs");
            assertEquals(ids.size(), values.size());
            assertEquals(null, values.getFirst());
            List<?> expected = (List<?>) golden.get("top_logprobs");
            for (int j = 0; j < expected.size(); j++) {
                double llama = number(((List<?>) ((List<?>) expected.get(j)).getFirst()).get(1));
                assertEquals(llama, number(values.get(promptIds.size() + j)), 1e-4, "generated position " + j);
            }
            assertTrue(((String) firstChoice(json).get("text")).endsWith((String) golden.get("generated_text")));
            List<?> offsets = (List<?>) logprobs.get("text_offset");
            List<?> tokens = (List<?>) logprobs.get("tokens");
            long last = (Long) offsets.getLast();
            assertEquals(((String) firstChoice(json).get("text")).length(), last + ((String) tokens.getLast()).length());
            assertEquals(0L, ((Map<?, ?>) json.get("usage")).get("completion_tokens"));
        }
    }
}
