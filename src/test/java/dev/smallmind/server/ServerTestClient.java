package dev.smallmind.server;

import dev.smallmind.json.Json;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

/** What the server tests send and read: JSON over HTTP to a server on loopback. */
final class ServerTestClient {
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    private ServerTestClient() {
    }

    /** A reply's status, body and headers. */
    record Reply(int status, String body, HttpResponse<String> response) {
        Map<?, ?> json() {
            return (Map<?, ?>) Json.parse(body);
        }

        String errorMessage() {
            return (String) ((Map<?, ?>) json().get("error")).get("message");
        }
    }

    static ServerSettings loopback(int queue, String apiKey) {
        return new ServerSettings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), queue, apiKey);
    }

    static Reply post(int port, String path, String body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(port, path)).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    static Reply get(int port, String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(port, path)).GET().build());
    }

    static Reply send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), r);
    }

    static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    static Map<?, ?> firstChoice(Map<?, ?> json) {
        return (Map<?, ?>) ((List<?>) json.get("choices")).getFirst();
    }

    /** Closes what a test class started, the server first; either may be null when its start was skipped. */
    static void closeAll(CompletionServer server, AutoCloseable model) {
        try (model; server) {
            // resources close in reverse order: the server before the model it serves
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static double number(Object o) {
        return ((Number) o).doubleValue();
    }
}
