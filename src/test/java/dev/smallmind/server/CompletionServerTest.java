package dev.smallmind.server;

import dev.smallmind.SharedData;
import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.SessionOptions;
import dev.smallmind.json.Json;
import dev.smallmind.model.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.smallmind.server.ServerTestClient.CLIENT;
import static dev.smallmind.server.ServerTestClient.Reply;
import static dev.smallmind.server.ServerTestClient.firstChoice;
import static dev.smallmind.server.ServerTestClient.loopback;
import static dev.smallmind.server.ServerTestClient.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP API as a client meets it, on stories260K: greedy completions equal llama.cpp's golden text, streams add
 * up to the same text, chat turns reuse the cache, concurrent requests queue, a vanished client stops its generation,
 * and every malformed request gets a 4xx naming what is wrong.
 */
class CompletionServerTest {
    private static LanguageModel lm;
    private static CompletionServer server;
    private static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();
    private static Map<?, ?> golden;

    @BeforeAll
    static void start() throws IOException {
        Path model = SharedData.require("models/stories260K.gguf");
        golden = (Map<?, ?>) ((List<?>) Golden.load("stories260K.greedy.json").get("cases")).get(0);
        lm = LanguageModel.open(model, 2);
        lm.warmUp();
        server = CompletionServer.start(lm, SessionOptions.DEFAULTS, loopback(0, null),
                new PrintStream(LOG, true, StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stop() {
        ServerTestClient.closeAll(server, lm);
    }

    private static Reply post(String path, String body) throws IOException, InterruptedException {
        return ServerTestClient.post(server.port(), path, body);
    }

    private static Reply get(String path) throws IOException, InterruptedException {
        return ServerTestClient.get(server.port(), path);
    }

    private static String greedyBody(boolean stream) {
        return "{\"prompt\": \"" + golden.get("prompt") + "\", \"max_tokens\": 64, \"temperature\": 0, \"stream\": "
                + stream + "}";
    }

    @Test
    void greedyCompletionIsLlamaCppsText() throws Exception {
        Reply r = post("/v1/completions", greedyBody(false));
        assertEquals(200, r.status(), r.body());
        Map<?, ?> json = r.json();
        assertEquals("text_completion", json.get("object"));
        assertEquals(golden.get("generated_text"), firstChoice(json).get("text"));
        assertEquals("length", firstChoice(json).get("finish_reason"));
        Map<?, ?> usage = (Map<?, ?>) json.get("usage");
        assertEquals((long) ((List<?>) golden.get("prompt_ids")).size(), usage.get("prompt_tokens"));
        assertEquals(64L, usage.get("completion_tokens"));
        assertTrue(((Map<?, ?>) json.get("memory")).containsKey("heap_bytes_per_token"));
        Map<?, ?> timings = (Map<?, ?>) json.get("timings");
        double p50 = ((Number) timings.get("predicted_ms_p50")).doubleValue();
        double p99 = ((Number) timings.get("predicted_ms_p99")).doubleValue();
        double max = ((Number) timings.get("predicted_ms_max")).doubleValue();
        assertTrue(p50 > 0 && p50 <= p99 && p99 <= max, timings.toString());
    }

    @Test
    void streamedEventsAddUpToTheSameText() throws Exception {
        Reply r = post("/v1/completions", greedyBody(true));
        assertEquals(200, r.status(), r.body());
        assertTrue(r.response().headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> events = events(r.body());
        assertEquals("[DONE]", events.getLast());
        StringBuilder text = new StringBuilder();
        for (String e : events.subList(0, events.size() - 2)) {
            Map<?, ?> chunk = (Map<?, ?>) Json.parse(e);
            assertEquals(null, firstChoice(chunk).get("finish_reason"), e);
            text.append(firstChoice(chunk).get("text"));
        }
        Map<?, ?> last = (Map<?, ?>) Json.parse(events.get(events.size() - 2));
        assertEquals("length", firstChoice(last).get("finish_reason"));
        assertEquals(64L, ((Map<?, ?>) last.get("usage")).get("completion_tokens"));
        assertEquals(golden.get("generated_text"), text.toString());
        assertTrue(events.size() > 10, "one event per piece of text: " + events.size());
    }

    @Test
    void decodeThroughTheServerDoesNotCollectGarbage() throws Exception {
        post("/v1/completions", greedyBody(false));
        // From an empty young generation, as ZeroGcDecodeTest measures: the other tests of this JVM (8 MB bodies
        // among them) leave eden at any fill, and a full one is collected at the first bytes any thread allocates.
        System.gc();
        Reply r = post("/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 300, \"temperature\": 0.8,"
                + " \"seed\": 7}");
        assertEquals(200, r.status(), r.body());
        Map<?, ?> memory = (Map<?, ?>) r.json().get("memory");
        double perToken = ((Number) memory.get("heap_bytes_per_token")).doubleValue();
        System.out.printf("server, 300 sampled tokens: %s GC collections, %.1f heap bytes/token%n",
                memory.get("gc_collections"), perToken);
        assertEquals(0L, memory.get("gc_collections"));
        assertTrue(perToken < 1024, "heap bytes per token: " + perToken);
    }

    @Test
    void chatTurnsReuseTheCachedConversation() throws Exception {
        String turn1 = "{\"messages\": [{\"role\": \"user\", \"content\": \"Tell me a story\"}], \"max_tokens\": 12,"
                + " \"temperature\": 0}";
        Reply first = post("/v1/chat/completions", turn1);
        assertEquals(200, first.status(), first.body());
        Map<?, ?> message = (Map<?, ?>) firstChoice(first.json()).get("message");
        assertEquals("assistant", message.get("role"));
        String reply = (String) message.get("content");
        long firstPrompt = (Long) ((Map<?, ?>) first.json().get("usage")).get("prompt_tokens");
        String turn2 = "{\"messages\": [{\"role\": \"user\", \"content\": \"Tell me a story\"}, {\"role\": \"assistant\","
                + " \"content\": " + quote(reply) + "}, {\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\":"
                + " \"More\"}]}], \"max_tokens\": 12, \"temperature\": 0}";
        Reply second = post("/v1/chat/completions", turn2);
        assertEquals(200, second.status(), second.body());
        long cached = (Long) ((Map<?, ?>) second.json().get("timings")).get("cache_n");
        assertTrue(cached >= firstPrompt, "the second turn reuses the first turn's prompt: " + cached + " cached, "
                + firstPrompt + " in the first prompt");
    }

    @Test
    void chatStreamStartsWithTheRoleAndEndsWithDone() throws Exception {
        Reply r = post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                + " \"max_tokens\": 8, \"temperature\": 0, \"stream\": true}");
        assertEquals(200, r.status(), r.body());
        List<String> events = events(r.body());
        Map<?, ?> delta = (Map<?, ?>) firstChoice((Map<?, ?>) Json.parse(events.getFirst())).get("delta");
        assertEquals("assistant", delta.get("role"));
        assertEquals("chat.completion.chunk", ((Map<?, ?>) Json.parse(events.get(1))).get("object"));
        assertEquals("[DONE]", events.getLast());
    }

    @Test
    void concurrentRequestsQueueAndAllGetTheGreedyText() throws Exception {
        try (CompletionServer queued = CompletionServer.start(lm, SessionOptions.DEFAULTS, loopback(8, null), null);
             ExecutorService clients = Executors.newFixedThreadPool(4)) {
            URI uri = URI.create("http://127.0.0.1:" + queued.port() + "/v1/completions");
            List<Future<HttpResponse<String>>> replies = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String body = i % 2 == 0 ? greedyBody(i % 4 == 0) : "{\"prompt\": \"Once\", \"max_tokens\": 5}";
                replies.add(clients.submit(() -> CLIENT.send(HttpRequest.newBuilder(uri)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())));
            }
            for (int i = 0; i < replies.size(); i += 2) {
                HttpResponse<String> r = replies.get(i).get();
                assertEquals(200, r.statusCode(), r.body());
                String text = i % 4 == 0 ? String.join("", texts(events(r.body())))
                        : (String) firstChoice((Map<?, ?>) Json.parse(r.body())).get("text");
                assertEquals(golden.get("generated_text"), text, "request " + i);
            }
            for (int i = 1; i < replies.size(); i += 2) {
                assertEquals(200, replies.get(i).get().statusCode());
            }
        }
    }

    @Test
    void aBusyServerSays503AndAVanishedClientStopsItsGeneration() throws Exception {
        try (Socket slow = new Socket()) {
            slow.setReceiveBufferSize(4096);
            slow.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()));
            InputStream in = startLongStream(slow);
            String head = readUntil(in, "data: ");
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            Reply busy = post("/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 1}");
            assertEquals(503, busy.status(), busy.body());
            assertEquals("1", busy.response().headers().firstValue("Retry-After").orElse(""));
            assertTrue(busy.errorMessage().contains("busy"), busy.body());
        }
        Reply after = null;
        for (int i = 0; i < 300 && (after == null || after.status() == 503); i++) {
            Thread.sleep(100);
            after = post("/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 1}");
        }
        assertEquals(200, after.status(), after.body());
        String log = LOG.toString(StandardCharsets.UTF_8);
        assertTrue(log.lines().anyMatch(l -> l.contains("generated, cancelled")), log);
    }

    @Test
    void badRequestsGetAnErrorNamingWhatIsWrong() throws Exception {
        String chat = "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], ";
        String[][] cases = {
                {"/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 4", "400", "not valid JSON"},
                {"/v1/completions", "[1, 2]", "400", "must be a JSON object"},
                {"/v1/completions", "", "400", "empty"},
                {"/v1/completions", "{\"max_tokens\": 4}", "400", "'prompt' must be a string"},
                {"/v1/completions", "{\"prompt\": \"x\", \"temperature\": \"hot\"}", "400",
                        "'temperature' must be a number, got a string"},
                {"/v1/completions", "{\"prompt\": \"x\", \"temperature\": -1}", "400", "temperature must be >= 0"},
                {"/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 2.5}", "400",
                        "'max_tokens' must be an integer, got a number 2.5"},
                {"/v1/completions", "{\"prompt\": \"x\", \"n\": 2}", "400", "'n' must be 1"},
                {"/v1/completions", "{\"prompt\": \"x\", \"best_of\": 3}", "400", "'best_of' is not supported"},
                {"/v1/completions", "{\"prompt\": \"x\", \"logprobs\": 21}", "400",
                        "'logprobs' must be between 0 and 20"},
                {"/v1/completions", "{\"prompt\": \"x\", \"logprobs\": 2, \"stream\": true}", "400", "not streamed"},
                {"/v1/chat/completions", chat + "\"top_logprobs\": 2}", "400",
                        "'top_logprobs' needs \"logprobs\": true"},
                {"/v1/completions", "{\"prompt\": \"x\", \"stream\": \"yes\"}", "400",
                        "'stream' must be true or false, got a string"},
                {"/v1/completions", "{\"prompt\": \"x\", \"seed\": true}", "400",
                        "'seed' must be an integer, got a boolean true"},
                {"/v1/completions", "{\"prompt\": \"x\", \"stop\": [\"\"]}", "400", "stop strings must not be empty"},
                {"/v1/completions", "{\"prompt\": [1, 99999]}", "400", "element 1 is an integer 99999"},
                {"/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 100000}", "400",
                        "exceed the context of " + server.contextLength() + " tokens"},
                {"/v1/chat/completions", "{\"messages\": []}", "400", "'messages' must be a non-empty array"},
                {"/v1/chat/completions", "{\"messages\": [{\"content\": \"x\"}]}", "400",
                        "messages[0] must be an object with a string 'role'"},
                {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}",
                        "400", "only text parts are supported"},
                {"/v1/nothing", "{}", "404", "no endpoint /v1/nothing"},
                {"/v1/completions", "{\"prompt\": \"x\", \"response_format\": \"json\"}", "400",
                        "'response_format' must be an object with a string 'type', got a string"},
                {"/v1/chat/completions", chat + "\"response_format\": {\"type\": \"json_schema\"}}", "400",
                        "'response_format' type 'json_schema' is not supported"},
                {"/v1/completions", "{\"prompt\": \"x\", \"grammar\": \"root ::= [a-z]\"}", "400",
                        "'grammar' is not supported"},
        };
        for (String[] c : cases) {
            assertRefused(post(c[0], c[1]), Integer.parseInt(c[2]), c[3]);
        }
        Reply wrongMethod = get("/v1/completions");
        assertRefused(wrongMethod, 405, "takes POST, not GET");
        assertEquals("POST", wrongMethod.response().headers().firstValue("Allow").orElse(""));
        assertRefused(post("/detokenize", "{\"tokens\": [1, -3]}"), 400, "element 1 is an integer -3");
    }

    @Test
    void aHostileContentLengthIsRefusedBeforeReading() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
                    + "9000000000\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
            String head = readUntil(s.getInputStream(), "}}");
            assertTrue(head.startsWith("HTTP/1.1 413"), head);
            assertTrue(head.contains("larger than the limit of " + CompletionServer.MAX_BODY_BYTES), head);
        }
        // Without a Content-Length (chunked), the body is read up to one byte past the limit. The client sends
        // exactly that much, so the refusal does not race its writes.
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            int size = CompletionServer.MAX_BODY_BYTES + 1;
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[size]);
            out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readUntil(s.getInputStream(), "}}");
            assertTrue(head.startsWith("HTTP/1.1 413"), head);
            assertTrue(head.contains("the request body is larger than the limit of " + CompletionServer.MAX_BODY_BYTES),
                    head);
        }
    }

    @Test
    void chatLogprobsListEachTokenWithItsAlternatives() throws Exception {
        Reply r = post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                + " \"max_tokens\": 6, \"temperature\": 0, \"logprobs\": true, \"top_logprobs\": 2}");
        assertEquals(200, r.status(), r.body());
        List<?> content = (List<?>) ((Map<?, ?>) firstChoice(r.json()).get("logprobs")).get("content");
        assertEquals(6, content.size());
        for (Object o : content) {
            Map<?, ?> token = (Map<?, ?>) o;
            List<?> top = (List<?>) token.get("top_logprobs");
            assertEquals(2, top.size());
            double best = number(((Map<?, ?>) top.getFirst()).get("logprob"));
            assertEquals(best, number(token.get("logprob")), 1e-12, "greedy takes the most likely token: " + token);
            assertTrue(best <= 0 && best >= number(((Map<?, ?>) top.get(1)).get("logprob")), token.toString());
            assertEquals(((String) token.get("token")).getBytes(StandardCharsets.UTF_8).length,
                    ((List<?>) token.get("bytes")).size());
        }
    }

    @Test
    void withAnApiKeyOnlyBearersOfItAreServed() throws Exception {
        try (CompletionServer keyed = CompletionServer.start(lm, SessionOptions.DEFAULTS, loopback(0, "s3cret"), null)) {
            HttpRequest.Builder models = HttpRequest.newBuilder(ServerTestClient.uri(keyed.port(), "/v1/models"));
            Reply none = ServerTestClient.send(models.copy().GET().build());
            assertRefused(none, 401, "send 'Authorization: Bearer KEY'");
            assertEquals("Bearer", none.response().headers().firstValue("WWW-Authenticate").orElse(""));
            Reply wrong = ServerTestClient.send(models.copy().header("Authorization", "Bearer s3cre7").GET().build());
            assertRefused(wrong, 401, "the API key is not valid");
            Reply right = ServerTestClient.send(models.copy().header("Authorization", "Bearer s3cret").GET().build());
            assertEquals(200, right.status(), right.body());
            Reply health = ServerTestClient.get(keyed.port(), "/health");
            assertEquals(200, health.status(), "health needs no key");
        }
    }

    /**
     * {@code "response_format": {"type": "json_object"}}: the chat reply is a JSON object or its beginning, and one
     * that ends with finish reason "stop" parses as an object.
     */
    @Test
    void jsonObjectResponsesAreJson() throws Exception {
        for (int seed = 1; seed <= 4; seed++) {
            Reply r = post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Tell a story"
                    + " as JSON\"}], \"max_tokens\": 120, \"seed\": " + seed
                    + ", \"response_format\": {\"type\": \"json_object\"}}");
            assertEquals(200, r.status(), r.body());
            Map<?, ?> choice = firstChoice(r.json());
            String content = (String) ((Map<?, ?>) choice.get("message")).get("content");
            assertTrue(content.strip().startsWith("{"), content);
            if (choice.get("finish_reason").equals("stop")) {
                assertTrue(Json.parse(content) instanceof Map<?, ?>, content);
            } else {
                assertEquals("length", choice.get("finish_reason"));
            }
        }
    }

    /**
     * Browser pages: an allowed origin's preflight is answered without the key and its responses, errors included,
     * carry Access-Control-Allow-Origin; another origin is refused before it is authorized or run; a server that
     * allows no origin refuses every request that carries one, and one that allows any answers "*".
     */
    @Test
    void browserPagesAreServedOnlyFromAllowedOrigins() throws Exception {
        String page = "http://localhost:3000";
        String body = "{\"prompt\": \"Once\", \"max_tokens\": 2}";
        ServerSettings settings = new ServerSettings(loopback(0, null).address(), 0, "s3cret", List.of(page));
        try (CompletionServer cors = CompletionServer.start(lm, SessionOptions.DEFAULTS, settings, null)) {
            HttpRequest.Builder completions = HttpRequest.newBuilder(ServerTestClient.uri(cors.port(), "/v1/completions"));
            Reply preflight = ServerTestClient.send(completions.copy().header("Origin", page)
                    .header("Access-Control-Request-Method", "POST")
                    .header("Access-Control-Request-Headers", "authorization, content-type")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(204, preflight.status(), preflight.body());
            assertEquals(page, header(preflight, "Access-Control-Allow-Origin"));
            assertTrue(header(preflight, "Access-Control-Allow-Methods").contains("POST"), preflight.toString());
            assertTrue(header(preflight, "Access-Control-Allow-Headers").contains("Authorization"));

            Reply served = ServerTestClient.send(completions.copy().header("Origin", page)
                    .header("Authorization", "Bearer s3cret").POST(HttpRequest.BodyPublishers.ofString(body)).build());
            assertEquals(200, served.status(), served.body());
            assertEquals(page, header(served, "Access-Control-Allow-Origin"));
            assertEquals("Origin", header(served, "Vary"));

            Reply keyless = ServerTestClient.send(completions.copy().header("Origin", page)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
            assertRefused(keyless, 401, "needs an API key");
            assertEquals(page, header(keyless, "Access-Control-Allow-Origin"), "the page can read the error");

            String other = "http://elsewhere.example";
            Reply foreign = ServerTestClient.send(completions.copy().header("Origin", other)
                    .header("Authorization", "Bearer s3cret").POST(HttpRequest.BodyPublishers.ofString(body)).build());
            assertRefused(foreign, 403, "origin " + other + " are not allowed; start the server with --allow-origin "
                    + other);
            assertEquals("", header(foreign, "Access-Control-Allow-Origin"));
            Reply foreignPreflight = ServerTestClient.send(completions.copy().header("Origin", other)
                    .header("Access-Control-Request-Method", "POST")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
            assertRefused(foreignPreflight, 403, other);

            Reply nowhere = ServerTestClient.send(HttpRequest.newBuilder(ServerTestClient.uri(cors.port(), "/v2/x"))
                    .header("Origin", page).header("Access-Control-Request-Method", "POST")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
            assertRefused(nowhere, 404, "no endpoint /v2/x");
        }
        Reply closed = ServerTestClient.send(HttpRequest.newBuilder(ServerTestClient.uri(server.port(), "/v1/models"))
                .header("Origin", "http://localhost:3000").GET().build());
        assertRefused(closed, 403, "--allow-origin http://localhost:3000");
        ServerSettings any = new ServerSettings(loopback(0, null).address(), 0, null, List.of("*"));
        try (CompletionServer open = CompletionServer.start(lm, SessionOptions.DEFAULTS, any, null)) {
            Reply fromFile = ServerTestClient.send(HttpRequest.newBuilder(ServerTestClient.uri(open.port(),
                    "/v1/models")).header("Origin", "null").GET().build());
            assertEquals(200, fromFile.status(), fromFile.body());
            assertEquals("*", header(fromFile, "Access-Control-Allow-Origin"));
        }
        IllegalArgumentException path = assertThrows(IllegalArgumentException.class,
                () -> new ServerSettings(loopback(0, null).address(), 0, null, List.of("http://localhost:3000/")));
        assertTrue(path.getMessage().contains("'http://localhost:3000/' is not an origin"), path.getMessage());
    }

    private static String header(Reply r, String name) {
        return r.response().headers().firstValue(name).orElse("");
    }

    @Test
    void closingEndsAStreamWithItsLastEvent() throws Exception {
        CompletionServer closing = CompletionServer.start(lm, SessionOptions.DEFAULTS, loopback(0, null), null);
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), closing.port())) {
            InputStream in = startLongStream(client);
            readUntil(in, "data: ");
            closing.close();
            String rest = readUntil(in, "data: [DONE]");
            assertTrue(rest.contains("\"finish_reason\":\"cancelled\""), rest.substring(Math.max(0, rest.length() - 500)));
            assertTrue(rest.endsWith("data: [DONE]"), rest.substring(Math.max(0, rest.length() - 200)));
        }
    }

    @Test
    void metricsCountRequestsTokensAndDecodeMemory() throws Exception {
        Map<String, Double> before = metrics();
        Reply ok = post("/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 10, \"temperature\": 0,"
                + " \"cache_prompt\": false}");
        assertEquals(200, ok.status(), ok.body());
        assertEquals(400, post("/v1/completions", "{}").status());
        Map<String, Double> after = metrics();
        assertEquals(1, after.get("smallmind_requests_completed_total") - before.get("smallmind_requests_completed_total"));
        assertEquals(1, after.get("smallmind_requests_refused_total") - before.get("smallmind_requests_refused_total"));
        assertEquals(9, after.get("smallmind_decode_tokens_total") - before.get("smallmind_decode_tokens_total"),
                "10 tokens generated: the first from the prompt's logits, 9 decode steps");
        assertEquals(((List<?>) golden.get("prompt_ids")).size(),
                after.get("smallmind_prompt_tokens_total") - before.get("smallmind_prompt_tokens_total"));
        assertTrue(after.get("smallmind_decode_seconds_total") > before.get("smallmind_decode_seconds_total"));
        assertTrue(after.containsKey("smallmind_decode_heap_bytes_total"));
        assertEquals(0.0, after.get("smallmind_requests_processing"));
    }

    /** {@code GET /metrics} as name to value, every sample line checked against the text format. */
    private static Map<String, Double> metrics() throws Exception {
        Reply r = get("/metrics");
        assertEquals(200, r.status(), r.body());
        assertTrue(r.response().headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        Map<String, Double> values = new java.util.HashMap<>();
        for (String line : r.body().lines().toList()) {
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                continue;
            }
            String[] parts = line.split(" ");
            assertEquals(2, parts.length, line);
            assertTrue(parts[0].matches("smallmind_[a-z_]+"), line);
            values.put(parts[0], Double.parseDouble(parts[1]));
        }
        return values;
    }

    @Test
    void tokenizeDetokenizeModelsAndHealth() throws Exception {
        Reply t = post("/tokenize", "{\"content\": \"" + golden.get("prompt") + "\", \"add_special\": true}");
        assertEquals(200, t.status(), t.body());
        assertEquals(golden.get("prompt_ids"), t.json().get("tokens"));
        Reply d = post("/detokenize", "{\"tokens\": " + golden.get("generated_ids") + "}");
        assertEquals(golden.get("generated_text"), d.json().get("content"));
        Map<?, ?> model = (Map<?, ?>) ((List<?>) get("/v1/models").json().get("data")).getFirst();
        assertEquals(lm.model().config().name(), model.get("id"));
        assertEquals((long) server.contextLength(), ((Map<?, ?>) model.get("meta")).get("n_ctx"));
        assertEquals("ok", get("/health").json().get("status"));
    }

    private static void assertRefused(Reply r, int status, String message) {
        assertEquals(status, r.status(), r.body());
        Map<?, ?> error = (Map<?, ?>) r.json().get("error");
        assertEquals((long) status, error.get("code"), r.body());
        assertTrue(r.errorMessage().contains(message), "expected '" + message + "' in: " + r.errorMessage());
    }

    private static List<String> events(String body) {
        List<String> events = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            assertTrue(block.startsWith("data: "), block);
            events.add(block.substring("data: ".length()));
        }
        return events;
    }

    private static List<String> texts(List<String> events) {
        List<String> texts = new ArrayList<>();
        for (String e : events.subList(0, events.size() - 1)) {
            texts.add((String) firstChoice((Map<?, ?>) Json.parse(e)).get("text"));
        }
        return texts;
    }

    private static String quote(String s) {
        return dev.smallmind.json.JsonWriter.create().value(s).toString();
    }

    /** Sends a streaming request for 2,000 sampled tokens over a raw socket; the caller reads (or does not). */
    private static InputStream startLongStream(Socket socket) throws IOException {
        byte[] body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 2000, \"temperature\": 1, \"stream\": true}"
                .getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + body.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return socket.getInputStream();
    }

    /** Reads until the text read ends with {@code marker} (or the stream ends); the bytes read, as UTF-8. */
    private static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] tail = marker.getBytes(StandardCharsets.UTF_8);
        int matched = 0;
        while (matched < tail.length) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            seen.write(b);
            matched = b == (tail[matched] & 0xFF) ? matched + 1 : b == (tail[0] & 0xFF) ? 1 : 0;
        }
        return seen.toString(StandardCharsets.UTF_8);
    }
}
