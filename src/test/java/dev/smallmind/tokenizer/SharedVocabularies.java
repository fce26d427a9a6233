package dev.smallmind.tokenizer;

import dev.smallmind.SharedData;
import dev.smallmind.model.gguf.GgufFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Loads each shared GGUF's tokenizer once per test run (skipping the test when the file is absent). */
final class SharedVocabularies {
    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    private SharedVocabularies() {
    }

    /** @param relative path under {@code ../shared}, e.g. {@code vocab/ggml-vocab-gpt-2.gguf} */
    static Tokenizer load(String relative) {
        Path path = SharedData.require(relative);
        return LOADED.computeIfAbsent(relative, r -> {
            try (GgufFile gguf = GgufFile.open(path)) {
                return Tokenizer.fromGguf(gguf);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
