package dev.smallmind.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The conversation of a chat loop, rendered with the model's template into prompt token ids that fit a budget.
 * When the whole conversation does not fit, the oldest exchanges are left out for good (each a user message and the
 * replies after it, so what remains still opens with a user turn, as templates expect); the system messages and the
 * latest user message are always kept. A session that keeps its cached prefix ({@code Session.continueWith}) then
 * evaluates again only what follows the system messages.
 */
public final class ChatHistory {
    private static final String USER = "user";

    private final ChatTemplate template;
    private final Tokenizer tokenizer;
    private final List<ChatMessage> messages = new ArrayList<>();
    private final int systemMessages;

    /**
     * A rendered prompt.
     *
     * @param ids             token ids, BOS included where the vocabulary adds one
     * @param droppedMessages messages this rendering left out of the conversation (0 when all fitted)
     */
    public record Prompt(int[] ids, int droppedMessages) {
    }

    /**
     * @param template  the model's chat template
     * @param tokenizer the model's tokenizer
     * @param system    the system message, or null for none
     */
    public ChatHistory(ChatTemplate template, Tokenizer tokenizer, String system) {
        this.template = Objects.requireNonNull(template, "template");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        if (system != null) {
            messages.add(new ChatMessage("system", system));
        }
        this.systemMessages = messages.size();
    }

    /** @param text what the user said */
    public void addUser(String text) {
        messages.add(new ChatMessage(USER, text));
    }

    /** @param text the model's reply */
    public void addAssistant(String text) {
        messages.add(new ChatMessage("assistant", text));
    }

    /**
     * Takes back the latest message, for a turn that could not be answered.
     *
     * @throws IllegalStateException when only the system messages are left
     */
    public void removeLast() {
        if (messages.size() == systemMessages) {
            throw new IllegalStateException("no message to take back: the conversation holds only its system messages");
        }
        messages.remove(messages.size() - 1);
    }

    /** Forgets every message but the system messages. */
    public void clear() {
        messages.subList(systemMessages, messages.size()).clear();
    }

    /** @return the messages the next prompt renders, system messages first */
    public List<ChatMessage> messages() {
        return List.copyOf(messages);
    }

    /**
     * Renders the conversation followed by the opening of the assistant's reply, leaving out the oldest exchanges
     * while it takes more than {@code budget} tokens.
     *
     * @param budget most tokens the prompt should take, at least 1
     * @param limit  most tokens it may take at all, at least {@code budget}: when the system messages and the
     *               latest exchange alone take more than {@code budget}, they are still sent within this
     * @return the ids and how many messages were left out (for good). When even the system messages and the latest
     *         exchange take more than {@code limit}, nothing is left out and the ids are that rendering's, longer
     *         than {@code limit}: the caller does not send them
     * @throws IllegalArgumentException when {@code budget} is below 1 or {@code limit} below {@code budget}
     */
    public Prompt prompt(int budget, int limit) {
        if (budget < 1 || limit < budget) {
            throw new IllegalArgumentException("a prompt budget of " + budget + " tokens within " + limit
                    + ": the budget must be at least 1 and the limit at least the budget");
        }
        int from = systemMessages;
        while (true) {
            int[] ids = render(from);
            int next = nextExchange(from);
            if (ids.length <= budget || next < 0) {
                if (ids.length > limit) {
                    return new Prompt(ids, 0);
                }
                messages.subList(systemMessages, from).clear();
                return new Prompt(ids, from - systemMessages);
            }
            from = next;
        }
    }

    /** The system messages and the messages from {@code from} on, as prompt ids. */
    private int[] render(int from) {
        List<ChatMessage> kept = new ArrayList<>(messages.subList(0, systemMessages));
        kept.addAll(messages.subList(from, messages.size()));
        return tokenizer.encode(template.render(kept, true), true, true);
    }

    /**
     * @return the index of the first user message after {@code from} (where the exchange that {@code from} opens
     *         ends), or -1 when there is none
     */
    private int nextExchange(int from) {
        for (int i = from + 1; i < messages.size(); i++) {
            if (messages.get(i).role().equals(USER)) {
                return i;
            }
        }
        return -1;
    }
}
