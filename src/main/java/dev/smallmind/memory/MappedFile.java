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
 *
 * <p>The segment handed out is a plain native segment over the mapped addresses (same bounds, read-only, same
 * lifetime), not the JDK's mapped-segment class. Why: the Vector API's shared load methods
 * ({@code FloatVector.fromMemorySegment} and friends) carry one type profile for every caller; with weights of
 * the mapped class and activations of the native class flowing through them, C2 compiled the GEMM micro-kernel
 * with a type switch on every load and without hoisting the bounds checks, and medium-preset F32 prefill ran at
 * 170-240 instead of about 350 tokens/s. One segment class for all tensors keeps every such profile monomorphic.
 * This is a restricted method: the launcher, tests and benchmarks pass {@code --enable-native-access}.
 */
public final class MappedFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    /** The JDK's mapped segment over the same bytes, for {@link #release}. */
    private final MemorySegment mapped;

    private MappedFile(Path path, Arena arena, MemorySegment mapped) {
        this.mapped = mapped;
        this.segment = mapped.reinterpret(mapped.byteSize(), arena, null);
        this.path = path;
        this.arena = arena;
    }

    /**
     * @param path file to map
     * @return the mapping
     * @throws IOException when the file cannot be opened or mapped
     */
    public static MappedFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new MappedFile(path, arena, mapped);
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

    /**
     * Drops the pages of these bytes from this process's resident memory ({@link MemorySegment#unload}); reading
     * them again pages them back in from the page cache.
     *
     * @param offset first byte
     * @param bytes  byte count
     */
    public void release(long offset, long bytes) {
        mapped.asSlice(offset, bytes).unload();
    }

    /** Unmaps the file. */
    @Override
    public void close() {
        arena.close();
    }
}
