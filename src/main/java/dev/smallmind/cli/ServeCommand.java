package dev.smallmind.cli;

import dev.smallmind.generate.LanguageModel;
import dev.smallmind.server.CompletionServer;
import dev.smallmind.server.ServerSettings;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code smallmind serve}: the model behind an OpenAI-compatible HTTP API ({@link CompletionServer}) until the
 * process is stopped. Listens on 127.0.0.1 unless {@code --host} says otherwise; {@code --api-key KEY} (or the
 * {@code SMALLMIND_API_KEY} variable) makes every request but {@code /health} carry {@code Authorization: Bearer KEY}.
 * {@code --allow-origin LIST} (comma-separated origins, or {@code *}) lets web pages of those origins call it from a
 * browser; requests from other pages are refused.
 */
final class ServeCommand {
    /** Where the key comes from when {@code --api-key} is not given (keeps it out of the process list). */
    static final String API_KEY_VARIABLE = "SMALLMIND_API_KEY";

    int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        Args a = new Args(argv, Set.of("--json", ModelOptions.NO_WARMUP));
        ModelOptions mo = ModelOptions.read(a);
        String host = a.string("--host", null, "127.0.0.1");
        int port = a.integer("--port", null, 8080);
        if (port < 0 || port > 65535) {
            throw new UsageException("--port must be between 0 and 65535, got " + port);
        }
        int queue = a.integer("--queue", null, 8);
        if (queue < 0 || queue > ServerSettings.MAX_QUEUE) {
            throw new UsageException("--queue must be between 0 and " + ServerSettings.MAX_QUEUE + ", got " + queue);
        }
        String key = a.string("--api-key", null, System.getenv(API_KEY_VARIABLE));
        List<String> origins = origins(a.string("--allow-origin", null, ""));
        a.flag("--json");
        a.finish();
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new UsageException("--host " + host + " does not resolve to an address");
        }
        if (key != null && key.isBlank()) {
            throw new UsageException("--api-key must not be empty");
        }
        ServerSettings settings;
        try {
            settings = new ServerSettings(address, queue, key, origins);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--allow-origin: " + e.getMessage());
        }
        LanguageModel lm = mo.open(err);
        CompletionServer server;
        try {
            server = CompletionServer.start(lm, mo.session(), settings, err);
        } catch (IOException | RuntimeException e) {
            lm.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            lm.close();
            stopped.countDown();
        }, "smallmind-shutdown"));
        err.printf("smallmind: serving %s on http://%s:%d (context %d tokens, %d threads%s); "
                        + "POST /v1/completions, /v1/chat/completions; Ctrl-C stops%n",
                lm.model().config().name(), host, server.port(), server.contextLength(), lm.pool().threads(),
                key == null ? ", no API key" : ", API key required");
        if (origins.contains("*") && key == null) {
            err.println("smallmind: note: --allow-origin * without an API key lets any web page open in a browser on"
                    + " this machine use the server");
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static List<String> origins(String list) {
        return list.isBlank() ? List.of() : Arrays.stream(list.split(",")).map(String::strip).toList();
    }
}
