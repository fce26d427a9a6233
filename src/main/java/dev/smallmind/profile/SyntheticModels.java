package dev.smallmind.profile;

import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.model.synth.SyntheticModelWriter;
import dev.smallmind.model.synth.SyntheticSpec;
import dev.smallmind.tensor.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The benchmark's models, synthesized on first use and cached in a folder so later runs reuse them: preset
 * shapes with random weights (seed 42) and, where available, the llama SPM vocabulary (else the writer's built-in
 * one): with that vocabulary they are byte for byte the files of llama.cpp's reference figures. A file is written
 * under a temporary name and renamed when complete, so an interrupted run never leaves a truncated model behind to
 * be reused, and a cached file is reused only when its {@code general.name} is the one the writer gives now, so
 * files of an older writer (other random values) are written again.
 */
final class SyntheticModels {
    /** The vocabulary used when present: llama.cpp's SPM test vocabulary from the shared data folder. */
    static final Path SHARED_VOCAB = Path.of("..", "shared", "vocab", "ggml-vocab-llama-spm.gguf");
    private static final long SEED = 42;

    private SyntheticModels() {
    }

    /** @return {@link #SHARED_VOCAB} when it exists, else null (the built-in vocabulary) */
    static Path defaultVocab() {
        return Files.isRegularFile(SHARED_VOCAB) ? SHARED_VOCAB : null;
    }

    /**
     * @param preset small, medium or large
     * @param type   matrix type
     * @param vocab  vocabulary GGUF, or null for the built-in one
     * @return the cache file name of that model
     */
    static String fileName(String preset, DType type, Path vocab) {
        String v = vocab == null ? "builtin" : vocab.getFileName().toString().replaceFirst("\\.gguf$", "")
                .replaceFirst("^ggml-vocab-", "");
        return preset + "-" + type.ggmlName() + "-" + v + "-s" + SEED + ".gguf";
    }

    /**
     * @param dir    cache folder (created when missing)
     * @param preset small, medium or large
     * @param type   matrix type
     * @param vocab  vocabulary GGUF, or null for the built-in one
     * @return the model file, written now unless already cached
     * @throws IOException when the folder or file cannot be written
     */
    static Path ensure(Path dir, String preset, DType type, Path vocab) throws IOException {
        Path file = dir.resolve(fileName(preset, type, vocab));
        SyntheticSpec spec = SyntheticSpec.preset(preset, type, SEED);
        if (Files.isRegularFile(file) && Files.size(file) > 0 && writtenByThisWriter(file, spec)) {
            return file;
        }
        Files.createDirectories(dir);
        Path partial = dir.resolve(file.getFileName() + ".partial");
        try {
            SyntheticModelWriter.write(spec, vocab, partial);
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
        return file;
    }

    private static boolean writtenByThisWriter(Path file, SyntheticSpec spec) {
        try (GgufFile f = GgufFile.open(file)) {
            return SyntheticModelWriter.name(spec).equals(f.string("general.name", ""));
        } catch (IOException | RuntimeException unreadable) {
            return false;
        }
    }
}
