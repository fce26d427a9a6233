package dev.smallmind.generate;

import dev.smallmind.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stop conditions, streaming, cancellation and context limits of a session, on stories260K. */
class SessionTest {
    private static LanguageModel lm;
    private static int[] prompt;
    private static String greedyText;

    @BeforeAll
    static void open() throws Exception {
        lm = LanguageModel.open(SharedData.require("models/stories260K.gguf"), 2);
        prompt = lm.tokenizer().encode("Once upon a time", true, true);
        try (Session s = lm.newSession(SessionOptions.DEFAULTS)) {
            greedyText = s.generate(prompt, GenerationOptions.greedy(64), TokenSink.NONE).text();
        }
    }

    @AfterAll
    static void close() {
        if (lm != null) {
            lm.close();
        }
    }

    @Test
    void streamedBytesEqualTheResultText() {
        try (Session s = lm.newSession(SessionOptions.DEFAULTS)) {
            java.io.ByteArrayOutputStream streamed = new java.io.ByteArrayOutputStream();
            List<Integer> tokens = new ArrayList<>();
            TokenSink sink = new TokenSink() {
                @Override
                public void text(byte[] bytes, int offset, int length) {
                    streamed.write(bytes, offset, length);
                }

                @Override
                public void token(int token) {
                    tokens.add(token);
                }
            };
            GenerationResult r = s.generate(prompt, GenerationOptions.greedy(64), sink);
            assertEquals(r.text(), streamed.toString(StandardCharsets.UTF_8));
            assertEquals(64, tokens.size());
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertTrue(r.timings().decodeTokensPerSecond() > 0);
        }
    }

    @Test
    void stopStringEndsGenerationAndIsNeitherReturnedNorStreamed() {
        String stop = "Lily";
        int at = greedyText.indexOf(stop);
        assertTrue(at > 0, "the greedy text mentions Lily: " + greedyText);
        try (Session s = lm.newSession(SessionOptions.DEFAULTS)) {
            java.io.ByteArrayOutputStream streamed = new java.io.ByteArrayOutputStream();
            GenerationResult r = s.generate(prompt, new GenerationOptions(64, SamplerSettings.GREEDY,
                    List.of(stop, "never appears"), true), (b, o, l) -> streamed.write(b, o, l));
            assertEquals(FinishReason.STOP, r.finishReason());
            assertEquals(greedyText.substring(0, at), r.text());
            assertEquals(r.text(), streamed.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void endOfGenerationTokenStops(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("eos.gguf");
        dev.smallmind.model.synth.SyntheticModelWriter.write(new dev.smallmind.model.synth.SyntheticSpec(
                dev.smallmind.model.Architecture.LLAMA, 64, 1, 4, 4, 96, 64,
                dev.smallmind.model.synth.SyntheticSpec.DEFAULT_ROPE_BASE, dev.smallmind.tensor.DType.F32,
                dev.smallmind.tensor.DType.F32, 3), null, file);
        for (float sign : new float[] {1f, -1f}) {
            onlyEosLogit(file, sign);
            try (LanguageModel m = LanguageModel.open(file, 1); Session s = m.newSession(SessionOptions.DEFAULTS)) {
                GenerationResult r = s.generate(new int[] {1, 300}, GenerationOptions.greedy(10), TokenSink.NONE);
                if (r.tokens()[0] == m.tokenizer().eos()) {
                    assertEquals(FinishReason.EOS, r.finishReason());
                    assertEquals(1, r.tokens().length);
                    assertEquals("", r.text(), "the end token is not text");
                    return;
                }
            }
        }
        throw new AssertionError("with only the EOS logit non-zero, one sign must make EOS the arg-max");
    }

    /** Zeroes the output projection except the EOS row, which becomes {@code sign} everywhere. */
    private static void onlyEosLogit(java.nio.file.Path file, float sign) throws Exception {
        long offset;
        int vocab;
        int dim;
        try (dev.smallmind.model.gguf.GgufFile g = dev.smallmind.model.gguf.GgufFile.open(file)) {
            var info = g.tensorInfo("output.weight");
            offset = g.dataOffset() + info.offset();
            vocab = (int) info.shape().dim(0);
            dim = (int) info.shape().dim(1);
        }
        java.nio.ByteBuffer rows = java.nio.ByteBuffer.allocate(4 * vocab * dim).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int d = 0; d < dim; d++) {
            rows.putFloat(4 * (2 * dim + d), sign);
        }
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(rows, offset);
        }
    }

    @Test
    void fullContextEndsWithAReasonAndOversizedPromptsAreRejected() {
        try (Session s = lm.newSession(new SessionOptions(32, 8))) {
            GenerationResult r = s.generate(prompt, new GenerationOptions(100, SamplerSettings.GREEDY, List.of(),
                    false), TokenSink.NONE);
            assertEquals(FinishReason.CONTEXT_FULL, r.finishReason());
            assertEquals(32 - prompt.length + 1, r.tokens().length);
            int[] longPrompt = new int[40];
            java.util.Arrays.fill(longPrompt, 300);
            ContextFullException e = assertThrows(ContextFullException.class,
                    () -> s.generate(longPrompt, GenerationOptions.greedy(1), TokenSink.NONE));
            assertTrue(e.getMessage().contains("40") && e.getMessage().contains("32"), e.getMessage());
        }
    }

    @Test
    void aShiftedContextHoldsExactlyTheKeptTokens() {
        // 32 positions, 150 tokens: shifted several times; F32 cache, so the comparison is not the F16 rounding's
        SessionOptions options = new SessionOptions(32, 8).withKvType(dev.smallmind.tensor.DType.F32);
        GenerationOptions shifting = new GenerationOptions(150, SamplerSettings.GREEDY, List.of(), false)
                .withContextShift(true);
        try (Session s = lm.newSession(options); Session fresh = lm.newSession(options)) {
            GenerationResult r = s.generate(prompt, shifting, TokenSink.NONE);
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(150, r.tokens().length);
            assertTrue(r.contextShifts() >= 5, r.contextShifts() + " shifts");
            // Everything evaluated: the prompt and every generated token but the last (sampled, not evaluated)
            int[] all = new int[prompt.length + r.tokens().length - 1];
            System.arraycopy(prompt, 0, all, 0, prompt.length);
            System.arraycopy(r.tokens(), 0, all, prompt.length, r.tokens().length - 1);
            int[] kept = s.cachedTokens();
            assertEquals(lm.tokenizer().bos(), kept[0], "the BOS stays");
            assertTrue(kept.length > 16 && kept.length <= 32, kept.length + " tokens kept");
            assertArrayEquals(java.util.Arrays.copyOfRange(all, all.length - (kept.length - 1), all.length),
                    java.util.Arrays.copyOfRange(kept, 1, kept.length), "the newest tokens, in order");
            // The cache after the shifts is the kept tokens' own: a session that evaluates only them agrees
            fresh.evaluate(kept, 0, kept.length);
            int vocab = lm.model().config().vocabSize();
            for (int i = 0; i < vocab; i++) {
                float shifted = s.logits().get(java.lang.foreign.ValueLayout.JAVA_FLOAT, s.logitsOffset() + 4L * i);
                float direct = fresh.logits().get(java.lang.foreign.ValueLayout.JAVA_FLOAT,
                        fresh.logitsOffset() + 4L * i);
                assertEquals(direct, shifted, 1e-4f * Math.max(1, Math.abs(direct)), "logit " + i);
            }
            // Without the shift the same generation ends at the context's end
            GenerationResult ended = s.generate(prompt, shifting.withContextShift(false), TokenSink.NONE);
            assertEquals(FinishReason.CONTEXT_FULL, ended.finishReason());
            assertEquals(0, ended.contextShifts());
            assertArrayEquals(java.util.Arrays.copyOf(r.tokens(), ended.tokens().length), ended.tokens(),
                    "the same tokens until the context was first full");
        }
    }

    @Test
    void cancelFromAnotherThreadStopsTheGeneration() throws Exception {
        try (Session s = lm.newSession(new SessionOptions(2048, 64))) {
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<GenerationResult> result = new AtomicReference<>();
            Thread t = new Thread(() -> result.set(s.generate(prompt, new GenerationOptions(1900,
                    SamplerSettings.GREEDY, List.of(), false), new TokenSink() {
                        @Override
                        public void text(byte[] bytes, int offset, int length) {
                        }

                        @Override
                        public void token(int token) {
                            started.countDown();
                        }
                    })));
            t.start();
            started.await();
            s.cancel();
            t.join(60_000);
            assertEquals(FinishReason.CANCELLED, result.get().finishReason());
            assertTrue(result.get().tokens().length < 1900);
        }
    }

    @Test
    void continuingAConversationReusesTheCachedPrefix() {
        try (Session s = lm.newSession(SessionOptions.DEFAULTS)) {
            GenerationResult first = s.generate(prompt, GenerationOptions.greedy(8), TokenSink.NONE);
            int[] longer = new int[prompt.length + 7];
            System.arraycopy(prompt, 0, longer, 0, prompt.length);
            System.arraycopy(first.tokens(), 0, longer, prompt.length, 7);
            GenerationResult next = s.continueWith(longer, GenerationOptions.greedy(8), TokenSink.NONE);
            assertEquals(1, next.timings().promptTokens(), "only the last token is evaluated again");
            try (Session fresh = lm.newSession(SessionOptions.DEFAULTS)) {
                GenerationResult expected = fresh.generate(longer, GenerationOptions.greedy(8), TokenSink.NONE);
                assertArrayEquals(expected.tokens(), next.tokens());
            }
        }
    }
}
