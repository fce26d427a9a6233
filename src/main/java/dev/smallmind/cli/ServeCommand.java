package dev.smallmind.cli;

import dev.smallmind.generate.LanguageModel;
import dev.smallmind.server.CompletionServer;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code smallmind serve}: the model behind an OpenAI-compatible HTTP API ({@link CompletionServer}) until the
 * process is stopped. Listens on 127.0.0.1 unless {@code --host} says otherwise, since the API has no
 * authentication.
 */
final class ServeCommand {
    int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        Args a = new Args(argv, Set.of("--json", ModelOptions.NO_WARMUP));
        ModelOptions mo = ModelOptions.read(a);
        String host = a.string("--host", null, "127.0.0.1");
        int port = a.integer("--port", null, 8080);
        if (port < 0 || port > 65535) {
            throw new UsageException("--port must be between 0 and 65535, got " + port);
        }
        int queue = a.integer("--queue", null, 8);
        if (queue < 0 || queue > 1024) {
            throw new UsageException("--queue must be between 0 and 1024, got " + queue);
        }
        a.flag("--json");
        a.finish();
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new UsageException("--host " + host + " does not resolve to an address");
        }
        LanguageModel lm = mo.open(err);
        CompletionServer server;
        try {
            server = CompletionServer.start(lm, mo.session(), address, queue, err);
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
        err.printf("smallmind: serving %s on http://%s:%d (context %d tokens, %d threads); "
                        + "POST /v1/completions, /v1/chat/completions; Ctrl-C stops%n",
                lm.model().config().name(), host, server.port(), server.contextLength(), lm.pool().threads());
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
