package dev.smallmind.tokenizer;

import java.util.Objects;

/**
 * One turn of a conversation.
 *
 * @param role    {@code system}, {@code user} or {@code assistant} (templates that know other roles pass them on)
 * @param content the text
 */
public record ChatMessage(String role, String content) {
    /** @throws NullPointerException when a field is null */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
