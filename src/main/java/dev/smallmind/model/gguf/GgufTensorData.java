package dev.smallmind.model.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Supplies one tensor's bytes to {@link GgufWriter}: it fills a window of the output file's mapping, so data is
 * streamed into the file and never has to be held on the heap.
 */
@FunctionalInterface
public interface GgufTensorData {
    /**
     * @param target exactly the tensor's byte size, inside the output file's mapping; every byte must be written
     * @throws IOException when the source cannot be read
     */
    void writeTo(MemorySegment target) throws IOException;
}
