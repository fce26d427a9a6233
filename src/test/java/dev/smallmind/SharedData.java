package dev.smallmind;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates {@code ../shared} (models, vocab, golden data). Tests that need it call {@link #require}: when the data
 * is absent they are skipped with a message saying what is missing; in CI it is present and they run.
 */
public final class SharedData {
    private SharedData() {
    }

    /** @return the shared folder, from the {@code smallmind.shared} property (set by the pom) or {@code ../shared} */
    public static Path root() {
        return Path.of(System.getProperty("smallmind.shared", "../shared")).toAbsolutePath().normalize();
    }

    /**
     * @param relative path inside the shared folder, e.g. {@code models/stories260K.gguf}
     * @return the absolute path; the calling test is skipped when it does not exist
     */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        Assumptions.assumeTrue(Files.exists(p), "skipped: shared data " + p + " is absent");
        return p;
    }
}
