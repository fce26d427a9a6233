package dev.smallmind.memory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A whole file mapped read-only into one {@link MemorySegment} (64-bit offsets, so files over 2 GB work). Weights
 * are views into this mapping and are never copied onto the heap. Closing unmaps; views become invalid.
 */
public final class MappedFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;

    private MappedFile(Path path, Arena arena, MemorySegment segment) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
    }

    /**
     * @param path file to map
     * @return the mapping
     * @throws IOException when the file cannot be opened or mapped
     */
    public static MappedFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment segment = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new MappedFile(path, arena, segment);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** @return the mapped bytes, read-only */
    public MemorySegment segment() {
        return segment;
    }

    /** @return the file size in bytes */
    public long size() {
        return segment.byteSize();
    }

    /** @return the mapped file's path */
    public Path path() {
        return path;
    }

    /** Unmaps the file. */
    @Override
    public void close() {
        arena.close();
    }
}
