package dev.smallmind.server;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * Where and how {@link CompletionServer} serves.
 *
 * @param address        where to listen; port 0 picks a free one
 * @param queue          how many requests may wait while one generates (0 to 1024); more are answered 503
 * @param apiKey         the key every request but {@code /health} must send as {@code Authorization: Bearer KEY}, or
 *                       null to accept any request (then listen on loopback only)
 * @param allowedOrigins the web page origins whose browser requests are served (CORS), each
 *                       {@code scheme://host[:port]} or {@code *} for any; empty refuses every request that carries an
 *                       {@code Origin} (clients other than browsers send none)
 */
public record ServerSettings(InetSocketAddress address, int queue, String apiKey, List<String> allowedOrigins) {
    /** The most requests {@link #queue} may let wait. */
    public static final int MAX_QUEUE = 1024;

    /**
     * @throws IllegalArgumentException for a queue outside 0 to {@link #MAX_QUEUE}, an empty key or a value of
     *                                  {@code allowedOrigins} that is not an origin
     */
    public ServerSettings {
        if (queue < 0 || queue > MAX_QUEUE) {
            throw new IllegalArgumentException("the queue must be between 0 and " + MAX_QUEUE + ", got " + queue);
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new IllegalArgumentException("the API key must not be empty");
        }
        for (String origin : allowedOrigins) {
            CrossOrigin.requireOrigin(origin);
        }
        allowedOrigins = List.copyOf(allowedOrigins);
    }

    /**
     * Settings that serve no browser page of another origin.
     *
     * @param address where to listen; port 0 picks a free one
     * @param queue   how many requests may wait while one generates
     * @param apiKey  the key requests must send, or null
     */
    public ServerSettings(InetSocketAddress address, int queue, String apiKey) {
        this(address, queue, apiKey, List.of());
    }
}
