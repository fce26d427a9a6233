package dev.smallmind.model;

import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.Session;
import dev.smallmind.generate.SessionOptions;
import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.model.synth.SyntheticModelWriter;
import dev.smallmind.model.synth.SyntheticSpec;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every architecture's graph (llama, mistral, qwen2 with biases and NeoX RoPE, phi3 with fused qkv and gate/up,
 * gpt2 with LayerNorm, learned positions, GELU and biases; GQA) against a plain double-precision forward pass on
 * a small synthetic F32 model, at every position of a sequence evaluated in batches and single steps. The sequence
 * is long enough for decode steps on two threads to split the context between them.
 */
class ArchitectureForwardTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void engineMatchesReferenceForwardPass(Architecture arch) throws Exception {
        int kvHeads = arch == Architecture.GPT2 ? 4 : 2;
        matchesReference(arch, 64, 4, kvHeads);
    }

    /** Eight query heads on one KV head: one token's heads take two blocks of the blocked-key attention. */
    @Test
    void multiQueryModelWithMoreHeadsThanOneAttentionBlockMatchesReference() throws Exception {
        matchesReference(Architecture.LLAMA, 128, 8, 1);
    }

    private void matchesReference(Architecture arch, int dim, int heads, int kvHeads) throws Exception {
        SyntheticSpec spec = new SyntheticSpec(arch, dim, 2, heads, kvHeads, 96, 128, SyntheticSpec.DEFAULT_ROPE_BASE,
                DType.F32, DType.F32, 11);
        Path file = dir.resolve(arch + "-" + heads + "-" + kvHeads + ".gguf");
        SyntheticModelWriter.write(spec, null, file);
        int[] tokens = new int[80];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = i == 0 ? 1 : 1 + (i * 7919) % 31999;
        }
        double[][] expected;
        try (GgufFile gguf = GgufFile.open(file)) {
            ModelConfig config = ModelConfig.fromGguf(gguf, 32000);
            expected = new ReferenceTransformer(gguf, config).logits(tokens);
        }
        try (LanguageModel lm = LanguageModel.open(file, 2);
             Session session = lm.newSession(new SessionOptions(128, 4, DType.F32))) {
            double[] worst = new double[1];
            session.score(tokens, (index, logits, offset) -> {
                for (int v = 0; v < 32000; v += 7) {
                    double actual = logits.get(ValueLayout.JAVA_FLOAT, offset + 4L * v);
                    double diff = Math.abs(actual - expected[index][v]);
                    worst[0] = Math.max(worst[0], diff);
                    assertEquals(expected[index][v], actual, 2e-4, arch + " position " + index + " logit " + v);
                }
            });
            session.reset();
            session.evaluate(tokens, 0, 5);
            for (int i = 5; i < tokens.length; i++) {
                session.evaluate(tokens[i]);
                for (int v = 0; v < 32000; v += 13) {
                    assertEquals(expected[i][v],
                            session.logits().get(ValueLayout.JAVA_FLOAT, session.logitsOffset() + 4L * v), 2e-4,
                            arch + ": batch then decode, position " + i + " logit " + v);
                }
            }
        }
    }
}
