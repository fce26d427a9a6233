package dev.smallmind.server;

import java.net.InetSocketAddress;

/**
 * Where and how {@link CompletionServer} serves.
 *
 * @param address where to listen; port 0 picks a free one
 * @param queue   how many requests may wait while one generates (0 to 1024); more are answered 503
 * @param apiKey  the key every request but {@code /health} must send as {@code Authorization: Bearer KEY}, or null to
 *                accept any request (then listen on loopback only)
 */
public record ServerSettings(InetSocketAddress address, int queue, String apiKey) {
    /** The most requests {@link #queue} may let wait. */
    public static final int MAX_QUEUE = 1024;

    /** @throws IllegalArgumentException for a queue outside 0 to {@link #MAX_QUEUE} or an empty key */
    public ServerSettings {
        if (queue < 0 || queue > MAX_QUEUE) {
            throw new IllegalArgumentException("the queue must be between 0 and " + MAX_QUEUE + ", got " + queue);
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new IllegalArgumentException("the API key must not be empty");
        }
    }
}
