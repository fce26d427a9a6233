package dev.smallmind.generate;

import dev.smallmind.SharedData;
import dev.smallmind.model.Golden;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Perplexity on ppl-text.txt computed as llama-perplexity does, against its figures (F32 KV runs). */
class GoldenPerplexityTest {

    private static String text() throws Exception {
        String t = Files.readString(SharedData.require("golden/ppl-text.txt"));
        return t.endsWith("\n") ? t.substring(0, t.length() - 1) : t;
    }

    private static Perplexity.Result run(String model, int ctx, int[] expectedTokens) throws Exception {
        try (LanguageModel lm = LanguageModel.open(SharedData.require(model), 2);
             Session s = lm.newSession(new SessionOptions(ctx, ctx, DType.F32))) {
            int[] tokens = lm.tokenizer().encode(text(), true, false);
            assertArrayEquals(expectedTokens, tokens, "llama-perplexity's token ids");
            return Perplexity.compute(s, tokens, ctx, lm.tokenizer().bos(), done -> { });
        }
    }

    @Test
    void stories260KAndTinyRandomMatchLlamaPerplexity() throws Exception {
        Map<String, Object> ppl = Golden.load("ppl.json");
        Map<?, ?> tokens = (Map<?, ?>) ppl.get("tokens");
        Map<?, ?> numpy = (Map<?, ?>) ((Map<?, ?>) Golden.load("verify.json").get("ppl"));
        for (Object o : (List<?>) ppl.get("runs")) {
            Map<?, ?> run = (Map<?, ?>) o;
            if (!"kv_f32".equals(run.get("config"))) {
                continue;
            }
            String file = (String) ((Map<?, ?>) run.get("model")).get("file");
            boolean stories = file.startsWith("stories");
            int ctx = ((Number) run.get("n_ctx")).intValue();
            Perplexity.Result r = run("models/" + file, ctx,
                    Golden.ints(tokens.get(stories ? "stories260K" : "tiny-random")));
            double llama = ((Number) run.get("final_ppl")).doubleValue();
            System.out.printf("%s: PPL %.6f, llama.cpp %.4f%n", file, r.ppl(), llama);
            assertEquals(((Number) run.get("n_chunks")).intValue(), r.chunkPpl().length);
            assertEquals(llama, r.ppl(), llama * 1e-3, "within 0.1% of llama.cpp");
            Map<?, ?> ref = (Map<?, ?>) numpy.get(stories ? "stories260K" : "tiny-random");
            double[] chunks = Golden.doubles(ref.get("per_chunk_ppl"));
            for (int c = 0; c < chunks.length; c++) {
                assertEquals(chunks[c], r.chunkPpl()[c], chunks[c] * 1e-4, file + " chunk " + c);
            }
            assertEquals(((Number) run.get("final_ppl_stderr")).doubleValue(), r.stderr(),
                    ((Number) run.get("final_ppl_stderr")).doubleValue() * 1e-2, "stderr");
        }
    }

    @Test
    void miniModelsMatchLlamaPerplexity() throws Exception {
        Map<String, Object> ppl = Golden.load("mini-ppl.json");
        int[] tokens = Golden.ints(((Map<?, ?>) ppl.get("tokens")).get("mini"));
        List<String> failures = new ArrayList<>();
        for (Object o : (List<?>) ppl.get("runs")) {
            Map<?, ?> run = (Map<?, ?>) o;
            String file = (String) ((Map<?, ?>) run.get("model")).get("file");
            Perplexity.Result r = run("models/synthetic/" + file, 128, tokens);
            double llama = ((Number) run.get("final_ppl")).doubleValue();
            System.out.printf("%s: PPL %.4f, llama.cpp %.4f (%.4f%%)%n", file, r.ppl(), llama,
                    100 * Math.abs(r.ppl() - llama) / llama);
            if (Math.abs(r.ppl() - llama) > llama * 1e-3) {
                failures.add(file + ": " + r.ppl() + " vs " + llama);
            }
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }
}
