package dev.smallmind.server;

/**
 * A request the server refuses, with the HTTP status and the OpenAI-style error type its JSON body carries
 * ({@code {"error":{"message":...,"type":...,"code":status}}}).
 */
final class ApiException extends RuntimeException {
    private final int status;
    private final String type;

    ApiException(int status, String type, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
    }

    /** A 400: the request itself is wrong; the message names the field and what was expected. */
    static ApiException invalid(String message) {
        return new ApiException(400, "invalid_request_error", message);
    }

    int status() {
        return status;
    }

    String type() {
        return type;
    }
}
