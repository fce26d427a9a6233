package dev.smallmind.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.smallmind.generate.GenerationResult;
import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.Session;
import dev.smallmind.generate.SessionOptions;
import dev.smallmind.generate.TokenSink;
import dev.smallmind.json.Json;
import dev.smallmind.json.JsonWriter;
import dev.smallmind.tokenizer.ChatTemplate;
import dev.smallmind.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP server for one model, speaking the subset of OpenAI's API that local clients use, as llama.cpp's server
 * does: {@code POST /v1/completions}, {@code POST /v1/chat/completions} (both with {@code "stream": true} as
 * server-sent events), {@code GET /v1/models}, {@code GET /health}, {@code GET /metrics} (Prometheus),
 * {@code POST /tokenize} and {@code POST /detokenize}. Bodies and errors are JSON; a refused request gets a 4xx with a message naming the field
 * at fault, never a dropped connection.
 *
 * <p>Generations run one at a time on a single engine thread, in one {@link Session} whose KV cache keeps the longest
 * common prefix between consecutive requests ({@code cache_prompt}, on by default), so a chat that grows turn by turn
 * evaluates only its new tokens. Up to {@code queue} more requests wait their turn; beyond that a request is answered
 * 503 at once. A streaming client that disconnects stops its generation after the current token. With an API key
 * ({@link ServerSettings#apiKey()}) every request but {@code /health} must send it as a bearer token. Browser pages
 * of the origins {@link ServerSettings#allowedOrigins()} names may call it; those of other origins are refused
 * ({@link CrossOrigin}).
 */
public final class CompletionServer implements AutoCloseable {
    /** The largest request body read; a larger one is refused with 413 before it is read. */
    public static final int MAX_BODY_BYTES = 8 << 20;
    private static final List<String> ENDPOINTS = List.of("/v1/completions", "/v1/chat/completions", "/v1/models",
            "/health", "/metrics", "/tokenize", "/detokenize");
    private final HttpServer http;
    private final ExecutorService handlers;
    private final ExecutorService engine;
    /** One permit per request generating or waiting: a request that gets none is answered 503. */
    private final Semaphore admitted;
    private final Session session;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final String modelName;
    private final int contextLength;
    private final PrintStream log;
    private final AtomicLong requests = new AtomicLong();
    private final ServerMetrics metrics = new ServerMetrics();
    private final int queue;
    /** UTF-8 bytes of the key requests must carry, or null. */
    private final byte[] apiKey;
    private final CrossOrigin crossOrigin;
    private volatile boolean closed;

    private CompletionServer(LanguageModel lm, SessionOptions options, ServerSettings settings, PrintStream log)
            throws IOException {
        this.session = lm.newSession(options);
        this.tokenizer = lm.tokenizer();
        this.template = ChatTemplate.fromGguf(lm.model().gguf());
        this.modelName = lm.model().config().name();
        this.contextLength = session.contextLength();
        this.log = log;
        this.queue = settings.queue();
        this.apiKey = settings.apiKey() == null ? null : settings.apiKey().getBytes(StandardCharsets.UTF_8);
        this.crossOrigin = new CrossOrigin(settings.allowedOrigins());
        this.admitted = new Semaphore(queue + 1);
        this.engine = Executors.newSingleThreadExecutor(daemons("smallmind-engine"));
        this.handlers = Executors.newFixedThreadPool(queue + 4, daemons("smallmind-http"));
        HttpServer server;
        try {
            server = HttpServer.create(settings.address(), 64);
        } catch (IOException e) {
            close(session, engine, handlers);
            throw new IOException("cannot listen on " + settings.address() + ": " + e.getMessage(), e);
        }
        this.http = server;
        http.setExecutor(handlers);
        http.createContext("/", this::handle);
        http.start();
    }

    /**
     * Starts serving. Unless already set, it sets two properties of the JDK's HTTP server, read when the JVM creates
     * its first one: {@code sun.net.httpserver.nodelay=true} (token events are small writes, which Nagle's algorithm
     * would otherwise hold back until the client acknowledges the previous one) and
     * {@code sun.net.httpserver.maxReqTime=60} (a client has 60 s to send its request, so a slow one cannot hold a
     * handler thread for ever; generation time does not count).
     *
     * @param lm      the model, warmed up (see {@link LanguageModel#warmUp(SessionOptions)}); the caller closes it
     *                after the server
     * @param options  the session's context length, batch and KV cache type
     * @param settings address, queue and API key
     * @param log      where to write one line per request, or null for none
     * @return the running server
     * @throws IOException when the address cannot be bound
     */
    public static CompletionServer start(LanguageModel lm, SessionOptions options, ServerSettings settings,
                                         PrintStream log) throws IOException {
        setIfAbsent("sun.net.httpserver.nodelay", "true");
        setIfAbsent("sun.net.httpserver.maxReqTime", "60");
        return new CompletionServer(lm, options, settings, log);
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    /** @return the port the server listens on */
    public int port() {
        return http.getAddress().getPort();
    }

    /** @return the session's context length, the most tokens a prompt and its completion may take together */
    public int contextLength() {
        return contextLength;
    }

    /**
     * Stops a running generation after its current token (a streaming client gets its last event, finish reason
     * {@code cancelled}, and {@code [DONE]}), answers waiting requests 503, stops listening once the handlers are
     * done (at most a second later), and frees the session.
     */
    @Override
    public void close() {
        closed = true;
        session.cancel();
        engine.shutdown();
        awaitEngine(engine);
        http.stop(1);
        handlers.shutdownNow();
        session.close();
    }

    private static void close(Session session, ExecutorService engine, ExecutorService handlers) {
        engine.shutdown();
        handlers.shutdownNow();
        awaitEngine(engine);
        session.close();
    }

    /** The engine thread is not interrupted: it may be inside a step, with the worker pool. */
    private static void awaitEngine(ExecutorService engine) {
        try {
            engine.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange ex) {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        try (ex) {
            try {
                if (crossOrigin.admit(ex) && CrossOrigin.isPreflight(ex)) {
                    requireEndpoint(path);
                    CrossOrigin.answerPreflight(ex);
                    logLine(method, path, 204, "preflight");
                    return;
                }
                if (!path.equals("/health")) {
                    authorize(ex);
                }
                switch (path) {
                    case "/health" -> {
                        requireMethod(ex, "GET");
                        send(ex, 200, health());
                    }
                    case "/v1/models" -> {
                        requireMethod(ex, "GET");
                        send(ex, 200, models());
                    }
                    case "/metrics" -> {
                        requireMethod(ex, "GET");
                        sendText(ex, metrics.text(queue + 1 - admitted.availablePermits()));
                    }
                    case "/v1/completions" -> complete(postBody(ex), false, ex);
                    case "/v1/chat/completions" -> complete(postBody(ex), true, ex);
                    case "/tokenize" -> send(ex, 200, tokenize(postBody(ex)));
                    case "/detokenize" -> send(ex, 200, detokenize(postBody(ex)));
                    default -> requireEndpoint(path);
                }
            } catch (ApiException e) {
                metrics.refused(e.status());
                sendError(ex, e.status(), e.type(), e.getMessage());
                logLine(method, path, e.status(), e.getMessage());
            } catch (RuntimeException e) {
                metrics.refused(500);
                sendError(ex, 500, "server_error", e.toString());
                logLine(method, path, 500, e.toString());
                if (log != null) {
                    e.printStackTrace(log);
                }
            }
        } catch (IOException e) {
            logLine(method, path, 0, "client connection lost: " + e.getMessage());
        }
    }

    private static void requireEndpoint(String path) {
        if (!ENDPOINTS.contains(path)) {
            throw new ApiException(404, "not_found_error", "no endpoint " + path + " (try "
                    + String.join(", ", ENDPOINTS) + ")");
        }
    }

    /** Refuses (401) a request without the server's key, comparing in constant time. */
    private void authorize(HttpExchange ex) {
        if (apiKey == null) {
            return;
        }
        String header = ex.getRequestHeaders().getFirst("Authorization");
        String bearer = "Bearer ";
        byte[] sent = header != null && header.regionMatches(true, 0, bearer, 0, bearer.length())
                ? header.substring(bearer.length()).strip().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(sent, apiKey)) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            throw new ApiException(401, "authentication_error", header == null
                    ? "this server needs an API key: send 'Authorization: Bearer KEY'" : "the API key is not valid");
        }
    }

    private static void requireMethod(HttpExchange ex, String method) {
        if (!ex.getRequestMethod().equals(method)) {
            ex.getResponseHeaders().set("Allow", method);
            throw new ApiException(405, "invalid_request_error", ex.getRequestURI().getPath() + " takes " + method
                    + ", not " + ex.getRequestMethod());
        }
    }

    /**
     * Reads and parses a POST's JSON body, refusing other methods and oversized, non-UTF-8 and malformed bodies with
     * what is wrong.
     */
    private static Object postBody(HttpExchange ex) throws IOException {
        requireMethod(ex, "POST");
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.strip());
            } catch (NumberFormatException e) {
                throw ApiException.invalid("Content-Length is not a number: '" + declared + "'");
            }
            if (length > MAX_BODY_BYTES) {
                throw new ApiException(413, "invalid_request_error", "the request body of " + length
                        + " bytes is larger than the limit of " + MAX_BODY_BYTES);
            }
        }
        byte[] bytes;
        try (InputStream in = ex.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw new ApiException(413, "invalid_request_error", "the request body is larger than the limit of "
                    + MAX_BODY_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw ApiException.invalid("the request body is not UTF-8: " + e.getMessage());
        }
        if (text.isBlank()) {
            throw ApiException.invalid("the request body is empty; send a JSON object");
        }
        try {
            return Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("the request body is not valid JSON: " + e.getMessage());
        }
    }

    private void complete(Object body, boolean chat, HttpExchange ex) throws IOException {
        CompletionRequest request = CompletionRequest.parse(body, chat, tokenizer, template, contextLength);
        ResponseJson json = new ResponseJson(chat, (chat ? "chatcmpl-" : "cmpl-") + requests.incrementAndGet(),
                System.currentTimeMillis() / 1000, modelName);
        if (!admitted.tryAcquire()) {
            ex.getResponseHeaders().set("Retry-After", "1");
            throw new ApiException(503, "server_busy", "the server is busy: one generation is running and "
                    + (queue - admitted.availablePermits()) + " are waiting; try again shortly");
        }
        Outcome outcome;
        try {
            outcome = generate(request, json, chat, ex);
        } finally {
            admitted.release();
        }
        GenerationResult r = outcome.result();
        int promptTokens = request.prompt().length;
        metrics.completed(promptTokens, r);
        if (request.stream()) {
            outcome.stream().finish(json.finalChunk(promptTokens, r));
        } else {
            String echoed = request.echo() ? new String(tokenizer.decode(request.prompt()), StandardCharsets.UTF_8) : "";
            send(ex, 200, json.complete(promptTokens, r, echoed, outcome.logprobs()));
        }
        logLine(ex.getRequestMethod(), ex.getRequestURI().getPath(), 200, String.format(
                "%d prompt tokens (%d cached), %d generated, %s, %.1f tok/s, %.1f heap bytes/token", promptTokens,
                promptTokens - r.timings().promptTokens(), r.tokens().length,
                ResponseJson.finishReason(r.finishReason()), r.timings().decodeTokensPerSecond(),
                r.memory().heapBytesPerToken()));
    }

    /**
     * A generation's result, with its tokens' log-probabilities when the request asked for them and the stream it
     * wrote when it streamed (else null).
     */
    private record Outcome(GenerationResult result, TokenLogprobs logprobs, EventStreamSink stream) {
    }

    /** Runs the request on the engine thread, streaming from there when asked, and waits for the result. */
    private Outcome generate(CompletionRequest request, ResponseJson json, boolean chat, HttpExchange ex)
            throws IOException {
        Future<Outcome> done = engine.submit(() -> {
            if (closed) {
                throw new ApiException(503, "server_busy", "the server is shutting down");
            }
            TokenSink sink = TokenSink.NONE;
            TokenLogprobs logprobs = null;
            EventStreamSink stream = null;
            if (request.stream()) {
                ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
                ex.getResponseHeaders().set("Cache-Control", "no-cache");
                ex.sendResponseHeaders(200, 0);
                stream = new EventStreamSink(ex.getResponseBody(), session, json.chunkTemplate());
                if (chat) {
                    stream.event(json.roleChunk());
                }
                sink = stream;
            } else if (request.logprobs() != CompletionRequest.NO_LOGPROBS) {
                logprobs = new TokenLogprobs(session, tokenizer, request.logprobs());
                sink = logprobs;
            }
            if (request.echo() && logprobs != null) {
                logprobs.scorePrompt(request.prompt());
            }
            boolean reuse = request.cachePrompt() || request.echo() && logprobs != null;
            GenerationResult r = reuse ? session.continueWith(request.prompt(), request.options(), sink)
                    : session.generate(request.prompt(), request.options(), sink);
            return new Outcome(r, logprobs, stream);
        });
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done.cancel(false);
            session.cancel();
            throw new ApiException(503, "server_busy", "the server is shutting down");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof ApiException refused) {
                throw refused;
            }
            if (e.getCause() instanceof IllegalArgumentException bad) {
                throw ApiException.invalid(bad.getMessage());
            }
            throw new IllegalStateException("generation failed", e.getCause());
        }
    }

    private String tokenize(Object body) {
        RequestFields f = new RequestFields(body);
        if (!(f.raw("content") instanceof String content)) {
            throw ApiException.invalid("'content' must be a string, got " + JsonTypes.name(f.raw("content")));
        }
        int[] ids = tokenizer.encode(content, f.bool("add_special", false), f.bool("parse_special", true));
        JsonWriter w = JsonWriter.create().beginObject().name("tokens").beginArray();
        for (int id : ids) {
            w.value(id);
        }
        return w.endArray().endObject().toString();
    }

    private String detokenize(Object body) {
        RequestFields f = new RequestFields(body);
        if (!(f.raw("tokens") instanceof List<?> list)) {
            throw ApiException.invalid("'tokens' must be an array of token ids, got " + JsonTypes.name(f.raw("tokens")));
        }
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) {
            if (!(list.get(i) instanceof Long id) || id < 0 || id >= tokenizer.vocabSize()) {
                throw ApiException.invalid("'tokens' must hold token ids in [0, " + tokenizer.vocabSize()
                        + "); element " + i + " is " + JsonTypes.name(list.get(i)) + " " + list.get(i));
            }
            ids[i] = (int) (long) id;
        }
        return JsonWriter.create().beginObject()
                .field("content", new String(tokenizer.decode(ids), StandardCharsets.UTF_8)).endObject().toString();
    }

    private String health() {
        return JsonWriter.create().beginObject().field("status", "ok").endObject().toString();
    }

    private String models() {
        return JsonWriter.create().beginObject().field("object", "list").name("data").beginArray().beginObject()
                .field("id", modelName).field("object", "model").field("created", 0).field("owned_by", "smallmind")
                .name("meta").beginObject().field("n_ctx", contextLength).field("n_vocab", tokenizer.vocabSize())
                .field("chat_template", template.family().toString()).endObject()
                .endObject().endArray().endObject().toString();
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        respond(ex, status, "application/json; charset=utf-8", json);
    }

    private static void sendText(HttpExchange ex, String text) throws IOException {
        respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", text);
    }

    private static void respond(HttpExchange ex, int status, String contentType, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** An error as JSON, or, when a stream has already begun with 200, as its last event. */
    private static void sendError(HttpExchange ex, int status, String type, String message) throws IOException {
        String json = ResponseJson.error(status, type, message);
        if (ex.getResponseCode() != -1) {
            OutputStream out = ex.getResponseBody();
            out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return;
        }
        send(ex, status, json);
    }

    private void logLine(String method, String path, int status, String what) {
        if (log != null) {
            log.println(method + " " + path + " " + (status == 0 ? "-" : String.valueOf(status)) + ": " + what);
        }
    }

    private static ThreadFactory daemons(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
