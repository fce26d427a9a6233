package dev.smallmind.profile;

import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.model.gguf.GgufValue;
import dev.smallmind.model.gguf.GgufWriter;
import dev.smallmind.model.synth.SyntheticModelWriter;
import dev.smallmind.model.synth.SyntheticSpec;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The benchmark's model cache: current files are reused, an older writer's file of the same name is replaced. */
class SyntheticModelsTest {
    @TempDir
    Path dir;

    @Test
    void anOlderWritersFileIsWrittenAgainAndACurrentOneReused() throws Exception {
        Path cached = dir.resolve(SyntheticModels.fileName("small", DType.F32, null));
        new GgufWriter().put("general.architecture", GgufValue.string("llama"))
                .put("general.name", GgufValue.string("synthetic-llama-d288-l6-f32")).write(cached);
        String expected = SyntheticModelWriter.name(SyntheticSpec.preset("small", DType.F32, 42));

        Path file = SyntheticModels.ensure(dir, "small", DType.F32, null);
        assertEquals(cached, file);
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(expected, f.string("general.name"), "the stale file was reused");
        }

        FileTime written = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(file, written);
        SyntheticModels.ensure(dir, "small", DType.F32, null);
        assertEquals(written, Files.getLastModifiedTime(file), "a current file was written again");
    }
}
