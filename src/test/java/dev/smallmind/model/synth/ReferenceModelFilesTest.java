package dev.smallmind.model.synth;

import dev.smallmind.SharedData;
import dev.smallmind.model.Architecture;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The writer against the reference workspace's numpy writer: the mini models in ../shared/models/synthetic that it
 * wrote (its own output, not llama-quantize's) must come out byte for byte, and the benchmark presets with the llama
 * SPM vocabulary must have the sha256 that ../shared/golden/README.md records for the files llama.cpp's reference
 * figures and golden data were measured on. Either fails on a single differing bit of one weight.
 */
class ReferenceModelFilesTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "mini-{0}")
    @CsvSource({"f32, F32", "f16, F16", "q8_0, Q8_0", "q4_0, Q4_0"})
    void miniModelsComeOutByteForByte(String name, DType type) throws IOException {
        Path reference = SharedData.require("models/synthetic/mini-" + name + ".gguf");
        Path vocab = SharedData.require("models/stories260K.gguf");
        Path out = dir.resolve("mini-" + name + ".gguf");
        SyntheticModelWriter.write(new SyntheticSpec(Architecture.LLAMA, 256, 3, 8, 4, 768, 512,
                SyntheticSpec.DEFAULT_ROPE_BASE, type, type, 42),
                vocab, out);
        long mismatch = Files.mismatch(out, reference);
        assertEquals(-1, mismatch, "first differing byte at offset " + mismatch + " (files of " + Files.size(out)
                + " and " + Files.size(reference) + " bytes)");
    }

    @ParameterizedTest(name = "{0}-{1}")
    @CsvSource({"small, f32, F32", "medium, q8_0, Q8_0", "medium, q4_0, Q4_0", "medium, f32, F32"})
    void presetsHaveTheReferenceChecksums(String preset, String name, DType type) throws Exception {
        Path vocab = SharedData.require("vocab/ggml-vocab-llama-spm.gguf");
        String expected = referenceChecksum(preset + "-" + name + ".gguf");
        Path out = dir.resolve(preset + "-" + name + ".gguf");
        SyntheticModelWriter.write(SyntheticSpec.preset(preset, type, 42), vocab, out);
        String actual = sha256(out);
        System.out.println(preset + "-" + name + ": sha256 " + actual + " (reference " + expected + ")");
        assertEquals(expected, actual, preset + "-" + name + ".gguf differs from the reference file");
    }

    @Test
    void aNegativeSeedIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyntheticSpec.preset("small", DType.F32, -1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }

    /** The sha256 in the README's table row for {@code ref/models/FILE}. */
    private static String referenceChecksum(String file) throws IOException {
        String readme = Files.readString(SharedData.require("golden/README.md"));
        Matcher m = Pattern.compile("`ref/models/" + Pattern.quote(file) + "` \\| [0-9,]+ \\| `([0-9a-f]{64})`")
                .matcher(readme);
        assertTrue(m.find(), "no sha256 for ref/models/" + file + " in ../shared/golden/README.md");
        return m.group(1);
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
