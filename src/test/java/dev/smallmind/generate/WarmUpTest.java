package dev.smallmind.generate;

import dev.smallmind.SharedData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LanguageModel#warmUp()} runs generations on its own throwaway session and the kernels on scratch memory:
 * a session opened before it must continue as if nothing had happened, and results must not change.
 */
class WarmUpTest {
    private static final GenerationOptions FIRST = new GenerationOptions(40, SamplerSettings.GREEDY, List.of(), false);
    private static final GenerationOptions MORE = new GenerationOptions(8, SamplerSettings.GREEDY, List.of(), false);

    @Test
    void warmUpLeavesOpenSessionsAndResultsAsTheyWere() throws IOException {
        try (LanguageModel lm = LanguageModel.open(SharedData.require("models/stories260K.gguf"), 2);
             Session open = lm.newSession(SessionOptions.DEFAULTS)) {
            GenerationResult first = open.generate("Once upon a time", FIRST, TokenSink.NONE);
            lm.warmUp();
            int[] more = open.continueWith(conversation(first), MORE, TokenSink.NONE).tokens();
            try (Session fresh = lm.newSession(SessionOptions.DEFAULTS)) {
                GenerationResult again = fresh.generate("Once upon a time", FIRST, TokenSink.NONE);
                assertArrayEquals(first.tokens(), again.tokens(), "greedy tokens changed across the warm-up");
                assertEquals(first.text(), again.text());
                int[] moreAgain = fresh.continueWith(conversation(again), MORE, TokenSink.NONE).tokens();
                assertArrayEquals(moreAgain, more, "the session opened before the warm-up continued differently");
            }
            assertEquals(MORE.maxTokens(), more.length);
        }
    }

    @Test
    void aWarmUpThatRunsOutOfTimeSaysItDidNotSettle() throws IOException {
        try (LanguageModel lm = LanguageModel.open(SharedData.require("models/stories260K.gguf"), 1)) {
            assertFalse(lm.warmUpSettled(), "no warm-up has run");
            assertTrue(Double.isNaN(lm.warmUpHeapBytesPerToken()));
            lm.warmUp(SessionOptions.DEFAULTS, Duration.ZERO);
            assertFalse(lm.warmUpSettled(), "a warm-up needs two generations to settle; this one had time for one");
            assertTrue(lm.warmUpHeapBytesPerToken() >= 0, "the one generation's allocation is kept: "
                    + lm.warmUpHeapBytesPerToken());
        }
    }

    private static int[] conversation(GenerationResult r) {
        int[] all = new int[r.promptTokens().length + r.tokens().length];
        System.arraycopy(r.promptTokens(), 0, all, 0, r.promptTokens().length);
        System.arraycopy(r.tokens(), 0, all, r.promptTokens().length, r.tokens().length);
        return all;
    }
}
