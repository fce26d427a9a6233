package dev.smallmind.model;

import dev.smallmind.SharedData;
import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.LogProbs;
import dev.smallmind.generate.Session;
import dev.smallmind.generate.SessionOptions;
import dev.smallmind.model.synth.SyntheticModelWriter;
import dev.smallmind.model.synth.SyntheticSpec;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Teacher-forced fidelity against llama.cpp: feed each golden case's prompt and generated ids, and at every
 * generated position compare the log-probabilities of llama.cpp's top-5 tokens, and the top-1 id where the golden
 * margin makes it meaningful. Tolerances are those ../shared/golden/README.md derives from measured spreads. The
 * golden files come from an F32 KV cache ({@code -ctk f32 -ctv f32}), so the engine runs one too; its default F16
 * cache is held to llama.cpp's own measured spread between its F16 defaults and F32.
 */
class GoldenLogprobTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "stories260K.greedy.json,         models/stories260K.gguf,                  1e-4, 2e-4",
            "tiny-random.greedy.json,         models/llama-2-tiny-random.gguf,          2e-4, 4e-4",
            "mini-f32.greedy.json,            models/synthetic/mini-f32.gguf,           1e-4, 2e-4",
            "mini-mqa-f32.greedy.json,        models/synthetic/mini-mqa-f32.gguf,       1e-4, 2e-4",
            "mini-f16.greedy.json,            models/synthetic/mini-f16.gguf,           1e-3, 1e-3",
            "mini-bf16.greedy.json,           models/synthetic/mini-bf16.gguf,          1e-2, 1e-2",
            "mini-q8_0.greedy.json,           models/synthetic/mini-q8_0.gguf,          0.03, 0.03",
            "mini-q4_0.greedy.json,           models/synthetic/mini-q4_0.gguf,          0.03, 0.03",
            "mini-q4_1.greedy.json,           models/synthetic/mini-q4_1.gguf,          0.03, 0.03",
            "mini-q5_0.greedy.json,           models/synthetic/mini-q5_0.gguf,          0.03, 0.03",
            "mini-q4_k_m.greedy.json,         models/synthetic/mini-q4_k_m.gguf,        0.03, 0.03",
            "mini-q5_k_m.greedy.json,         models/synthetic/mini-q5_k_m.gguf,        0.03, 0.03",
            "mini-q6_k.greedy.json,           models/synthetic/mini-q6_k.gguf,          0.03, 0.03",
    })
    void teacherForcedLogprobsMatchLlamaCpp(String golden, String model, double tolerance, double idMargin)
            throws Exception {
        matches(golden, model, DType.F32, tolerance, idMargin);
    }

    /**
     * The F16 cache on the F32 models: tolerance {@code max_abs_dlogprob} of {@code llama_defaults_vs_primary} in
     * ../shared/golden/tolerance.json (llama.cpp's F16 cache and flash attention against its F32 cache), and top-1
     * ids where the golden margin exceeds it.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "mini-f32.greedy.json,            models/synthetic/mini-f32.gguf,           6.35e-4",
            "mini-mqa-f32.greedy.json,        models/synthetic/mini-mqa-f32.gguf,       6.33e-4",
    })
    void f16CacheStaysWithinLlamaCppsOwnF16Spread(String golden, String model, double tolerance) throws Exception {
        matches(golden, model, DType.F16, tolerance, tolerance);
    }

    /**
     * The benchmark presets as {@code smallmind synth} writes them with the llama SPM vocabulary and seed 42: the very
     * files the golden data was made on ({@code ReferenceModelFilesTest} checks their sha256). Tolerances of
     * ../shared/golden/README.md, "F32 models" (1e-4, every id) and "Q8_0 and Q4_0" (0.05, ids where the margin is
     * at least 0.05).
     */
    @ParameterizedTest(name = "synthetic-{0}-{1}")
    @CsvSource({
            "small,  f32,  F32,  1e-4, 2e-4",
            "medium, f32,  F32,  1e-4, 2e-4",
            "medium, q8_0, Q8_0, 0.05, 0.05",
            "medium, q4_0, Q4_0, 0.05, 0.05",
    })
    void synthesizedPresetsMatchLlamaCpp(String preset, String name, DType type, double tolerance, double idMargin,
                                         @TempDir Path dir) throws Exception {
        String golden = "synthetic-" + preset + "-" + name + ".greedy.json";
        SharedData.require("golden/" + golden);
        Path model = dir.resolve(preset + "-" + name + ".gguf");
        SyntheticModelWriter.write(SyntheticSpec.preset(preset, type, 42), SharedData.require(
                "vocab/ggml-vocab-llama-spm.gguf"), model);
        matches(golden, model, DType.F32, tolerance, idMargin);
    }

    private static void matches(String golden, String model, DType kvType, double tolerance, double idMargin)
            throws Exception {
        matches(golden, SharedData.require(model), kvType, tolerance, idMargin);
    }

    private static void matches(String golden, Path model, DType kvType, double tolerance, double idMargin)
            throws Exception {
        Map<String, Object> g = Golden.load(golden);
        try (LanguageModel lm = LanguageModel.open(model, 2);
             Session session = lm.newSession(new SessionOptions(256, 64, kvType))) {
            List<String> failures = new ArrayList<>();
            double worst = 0;
            int idChecks = 0;
            for (Object c : (List<?>) g.get("cases")) {
                Map<?, ?> kase = (Map<?, ?>) c;
                int[] prompt = Golden.ints(kase.get("prompt_ids"));
                int[] gen = Golden.ints(kase.get("generated_ids"));
                List<?> tops = (List<?>) kase.get("top_logprobs");
                double[] margins = Golden.doubles(kase.get("top1_top2_margin"));
                int[] seq = new int[prompt.length + gen.length];
                System.arraycopy(prompt, 0, seq, 0, prompt.length);
                System.arraycopy(gen, 0, seq, prompt.length, gen.length);
                session.reset();
                double[] caseWorst = new double[1];
                int[] caseIds = new int[1];
                session.score(seq, (index, logits, offset) -> {
                    int pos = index - (prompt.length - 1);
                    if (pos < 0 || pos >= gen.length) {
                        return;
                    }
                    LogProbs lp = new LogProbs(logits, offset, session.vocabSize());
                    List<?> top = (List<?>) tops.get(pos);
                    for (Object e : top) {
                        List<?> pair = (List<?>) e;
                        int id = ((Number) pair.get(0)).intValue();
                        double expected = ((Number) pair.get(1)).doubleValue();
                        double diff = Math.abs(lp.of(id) - expected);
                        caseWorst[0] = Math.max(caseWorst[0], diff);
                        if (diff > tolerance) {
                            failures.add(kase.get("prompt") + " pos " + pos + " id " + id + ": " + lp.of(id)
                                    + " vs llama.cpp " + expected);
                        }
                    }
                    if (margins[pos] >= idMargin) {
                        caseIds[0]++;
                        int expectedTop = ((Number) ((List<?>) top.get(0)).get(0)).intValue();
                        int actualTop = lp.top(1)[0];
                        if (actualTop != expectedTop) {
                            failures.add(kase.get("prompt") + " pos " + pos + ": top-1 " + actualTop
                                    + " vs llama.cpp " + expectedTop + " (margin " + margins[pos] + ")");
                        }
                    }
                });
                worst = Math.max(worst, caseWorst[0]);
                idChecks += caseIds[0];
            }
            System.out.printf("%s, %s KV cache: max |dlogprob| %.3g (tolerance %.3g), %d top-1 checks%n", golden,
                    kvType, worst, tolerance, idChecks);
            assertTrue(failures.isEmpty(), failures.size() + " mismatches, first: "
                    + failures.subList(0, Math.min(5, failures.size())));
            assertTrue(idChecks > 0, "no position had a margin large enough to check the top-1 id");
        }
    }
}
