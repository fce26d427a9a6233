package dev.smallmind.server;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which web pages may call the server from a browser (CORS). A browser names the page's origin in an {@code Origin}
 * header; other clients send none and are not concerned. A request from an origin that is not allowed is refused (403)
 * before it is authorized or run, since a page can make a browser send a simple POST without asking first: it could
 * not read the answer, but the server would still spend a generation on it. An allowed origin gets
 * {@code Access-Control-Allow-Origin} on every response, errors included, so the page can read them, and a preflight
 * ({@code OPTIONS} with {@code Access-Control-Request-Method}) gets 204 with the methods and headers the API takes,
 * without the API key, which browsers never send with a preflight.
 */
final class CrossOrigin {
    /** Allows every origin. */
    static final String ANY = "*";
    /** {@code scheme://host[:port]}, as browsers send it: no path, no trailing slash. */
    private static final Pattern ORIGIN = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://[^/\\s?#]+");
    /** How long a browser may cache a preflight's answer, in seconds. */
    private static final String PREFLIGHT_SECONDS = "600";
    private final List<String> origins;

    /** @param origins the origins allowed, as {@link ServerSettings#allowedOrigins()} checked them; empty allows none */
    CrossOrigin(List<String> origins) {
        this.origins = origins;
    }

    /** @throws IllegalArgumentException when {@code origin} is neither {@link #ANY} nor {@code scheme://host[:port]} */
    static void requireOrigin(String origin) {
        if (!origin.equals(ANY) && !ORIGIN.matcher(origin).matches()) {
            throw new IllegalArgumentException("'" + origin + "' is not an origin: write scheme://host[:port], as the"
                    + " browser sends it (e.g. http://localhost:3000, no path or trailing slash), or " + ANY);
        }
    }

    /**
     * Refuses a request from an origin that is not allowed and marks an allowed one's response readable by its page.
     *
     * @return whether the request came from a browser page (it carries {@code Origin})
     * @throws ApiException 403 naming the origin, when it is not allowed
     */
    boolean admit(HttpExchange ex) {
        String origin = ex.getRequestHeaders().getFirst("Origin");
        if (origin == null) {
            return false;
        }
        if (origins.contains(ANY)) {
            ex.getResponseHeaders().set("Access-Control-Allow-Origin", ANY);
            return true;
        }
        if (!origins.contains(origin)) {
            throw new ApiException(403, "permission_error", "requests from the web page origin " + origin
                    + " are not allowed; start the server with --allow-origin " + origin + " to allow them");
        }
        Headers headers = ex.getResponseHeaders();
        headers.set("Access-Control-Allow-Origin", origin);
        headers.set("Vary", "Origin");
        return true;
    }

    /** @return whether the request is a browser's preflight, which {@link #answerPreflight} answers */
    static boolean isPreflight(HttpExchange ex) {
        return ex.getRequestMethod().equals("OPTIONS")
                && ex.getRequestHeaders().getFirst("Access-Control-Request-Method") != null;
    }

    /** Answers an admitted preflight: 204 with the methods and headers the API takes. */
    static void answerPreflight(HttpExchange ex) throws IOException {
        Headers headers = ex.getResponseHeaders();
        headers.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        headers.set("Access-Control-Allow-Headers", "Authorization, Content-Type");
        headers.set("Access-Control-Max-Age", PREFLIGHT_SECONDS);
        ex.sendResponseHeaders(204, -1);
    }
}
