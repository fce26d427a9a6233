package dev.smallmind.tokenizer;

import dev.smallmind.tokenizer.ChatTemplate.Family;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatHistoryTest {
    private static final ChatTemplate TEMPLATE = ChatTemplate.of(Family.LLAMA_2_SYS);
    private static final String SYSTEM = "You answer in one short sentence.";

    private static Tokenizer tokenizer() {
        return SharedVocabularies.load("vocab/ggml-vocab-llama-spm.gguf");
    }

    /** Four exchanges (the last without its reply yet): user, assistant, ..., user. */
    private static ChatHistory fourExchanges(Tokenizer tokenizer) {
        ChatHistory h = new ChatHistory(TEMPLATE, tokenizer, SYSTEM);
        for (int i = 0; i < 3; i++) {
            h.addUser("Question number " + i + ": what is the colour of the sky over the sea at noon?");
            h.addAssistant("Answer number " + i + ": it is blue, mostly, unless clouds cover it.");
        }
        h.addUser("And at night?");
        return h;
    }

    private static int[] encode(Tokenizer tokenizer, List<ChatMessage> messages) {
        return tokenizer.encode(TEMPLATE.render(messages, true), true, true);
    }

    @Test
    void aConversationThatFitsIsSentWhole() {
        Tokenizer tokenizer = tokenizer();
        ChatHistory h = fourExchanges(tokenizer);
        List<ChatMessage> all = h.messages();
        int[] whole = encode(tokenizer, all);
        ChatHistory.Prompt p = h.prompt(whole.length, whole.length);
        assertArrayEquals(whole, p.ids());
        assertEquals(0, p.droppedMessages());
        assertEquals(all, h.messages());
    }

    @Test
    void theOldestExchangesGoFirstAndOnlyAsManyAsNeeded() {
        Tokenizer tokenizer = tokenizer();
        List<ChatMessage> all = fourExchanges(tokenizer).messages();
        // Suffixes a prompt may keep: the system message, then whole exchanges from the end
        for (int keep = 1; keep <= 3; keep++) {
            int from = all.size() - (2 * keep - 1);
            List<ChatMessage> kept = new ArrayList<>(all.subList(0, 1));
            kept.addAll(all.subList(from, all.size()));
            int[] expected = encode(tokenizer, kept);
            ChatHistory h = fourExchanges(tokenizer);
            ChatHistory.Prompt p = h.prompt(expected.length, expected.length);
            assertArrayEquals(expected, p.ids(), keep + " exchange(s) kept");
            assertEquals(from - 1, p.droppedMessages());
            assertEquals(kept, h.messages());
            assertEquals("system", h.messages().get(0).role());
            assertEquals("user", h.messages().get(1).role());
            if (keep > 1) {
                // One token less does not hold this many exchanges: one fewer is kept, within the budget
                ChatHistory tighter = fourExchanges(tokenizer);
                ChatHistory.Prompt q = tighter.prompt(expected.length - 1, expected.length - 1);
                assertTrue(q.ids().length <= expected.length - 1, q.ids().length + " tokens");
                assertEquals(p.droppedMessages() + 2, q.droppedMessages());
            }
        }
    }

    @Test
    void theLatestExchangeIsSentWithinTheLimitEvenAboveTheBudget() {
        Tokenizer tokenizer = tokenizer();
        List<ChatMessage> all = fourExchanges(tokenizer).messages();
        int[] last = encode(tokenizer, List.of(all.get(0), all.get(all.size() - 1)));
        ChatHistory h = fourExchanges(tokenizer);
        ChatHistory.Prompt p = h.prompt(1, last.length);
        assertArrayEquals(last, p.ids());
        assertEquals(all.size() - 2, p.droppedMessages());
        assertEquals(List.of(all.get(0), all.get(all.size() - 1)), h.messages());
    }

    @Test
    void aLatestExchangeBeyondTheLimitLeavesTheHistoryAsItWas() {
        Tokenizer tokenizer = tokenizer();
        ChatHistory h = fourExchanges(tokenizer);
        List<ChatMessage> before = h.messages();
        int[] last = encode(tokenizer, List.of(before.get(0), before.get(before.size() - 1)));
        ChatHistory.Prompt p = h.prompt(1, last.length - 1);
        assertArrayEquals(last, p.ids());
        assertEquals(0, p.droppedMessages());
        assertEquals(before, h.messages());
        h.removeLast();
        assertEquals(before.subList(0, before.size() - 1), h.messages());
    }

    @Test
    void clearAndRemoveLastKeepTheSystemMessage() {
        Tokenizer tokenizer = tokenizer();
        ChatHistory h = fourExchanges(tokenizer);
        h.clear();
        assertEquals(List.of(new ChatMessage("system", SYSTEM)), h.messages());
        IllegalStateException e = assertThrows(IllegalStateException.class, h::removeLast);
        assertTrue(e.getMessage().contains("only its system messages"), e.getMessage());
        ChatHistory none = new ChatHistory(TEMPLATE, tokenizer, null);
        assertEquals(List.of(), none.messages());
        none.addUser("Hi");
        assertArrayEquals(encode(tokenizer, List.of(new ChatMessage("user", "Hi"))), none.prompt(100, 100).ids());
    }

    @Test
    void aBudgetBelowOneOrAboveTheLimitIsRefused() {
        ChatHistory h = fourExchanges(tokenizer());
        assertThrows(IllegalArgumentException.class, () -> h.prompt(0, 10));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.prompt(20, 10));
        assertTrue(e.getMessage().contains("budget of 20 tokens within 10"), e.getMessage());
    }
}
