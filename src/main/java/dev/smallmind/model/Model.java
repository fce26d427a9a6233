package dev.smallmind.model;

import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.parallel.WorkerPool;
import dev.smallmind.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * A loaded model: configuration and weights as views into the memory-mapped GGUF file, plus copies of the
 * projections whose kernel reads rows interleaved at load ({@link ModelWeights#interleaved}). Immutable after {@link #open} and safe to share across threads and
 * sessions; closing it unmaps the file, so close it only after every session is closed.
 */
public final class Model implements AutoCloseable {
    private final GgufFile gguf;
    private final ModelConfig config;
    private final ModelWeights weights;
    private final long loadNanos;
    private final Arena interleavedWeights;

    private Model(GgufFile gguf, ModelConfig config, ModelWeights weights, long loadNanos, Arena interleavedWeights) {
        this.interleavedWeights = interleavedWeights;
        this.gguf = gguf;
        this.config = config;
        this.weights = weights;
        this.loadNanos = loadNanos;
    }

    /**
     * Maps and validates a GGUF model, interleaving its projections on the calling thread.
     *
     * @param path the file
     * @return the model
     * @throws IOException        when the file cannot be read
     * @throws ModelLoadException when it is a valid GGUF that cannot be run (names what and why)
     */
    public static Model open(Path path) throws IOException {
        try (WorkerPool caller = new WorkerPool(1)) {
            return open(path, caller);
        }
    }

    /**
     * Maps and validates a GGUF model, interleaving its projections over {@code pool}'s threads (the rearranging,
     * not the mapping, is most of a Q4_0 or Q8_0 model's load time).
     *
     * @param path the file
     * @param pool threads for the interleaving; the model does not keep it
     * @return the model
     * @throws IOException        when the file cannot be read
     * @throws ModelLoadException when it is a valid GGUF that cannot be run (names what and why)
     */
    public static Model open(Path path, WorkerPool pool) throws IOException {
        long t0 = System.nanoTime();
        GgufFile gguf = GgufFile.open(path);
        try {
            if (gguf.tensorInfo("token_embd.weight") == null) {
                throw new ModelLoadException(path.getFileName() + ": missing tensor 'token_embd.weight'"
                        + (gguf.tensors().isEmpty() ? " (the file holds no tensors: a vocabulary-only GGUF?)" : ""));
            }
            Tensor embd = gguf.tensor("token_embd.weight");
            if (embd.shape().rank() != 2) {
                throw new ModelLoadException(path.getFileName() + ": tensor 'token_embd.weight' has shape "
                        + embd.shape() + ", expected [vocab, dim]");
            }
            ModelConfig config = ModelConfig.fromGguf(gguf, (int) embd.shape().dim(0));
            Arena interleaved = Arena.ofShared();
            try {
                ModelWeights weights = ModelWeights.bind(gguf, config).interleaved(interleaved, gguf, pool);
                return new Model(gguf, config, weights, System.nanoTime() - t0, interleaved);
            } catch (RuntimeException e) {
                interleaved.close();
                throw e;
            }
        } catch (RuntimeException e) {
            gguf.close();
            throw e;
        }
    }

    /** @return hyper-parameters */
    public ModelConfig config() {
        return config;
    }

    /** @return weights: views into the mapping, and projections interleaved at load ({@link ModelWeights#interleaved}) */
    public ModelWeights weights() {
        return weights;
    }

    /** @return the underlying GGUF file (metadata, tokenizer keys) */
    public GgufFile gguf() {
        return gguf;
    }

    /** @return bytes of the mapped file */
    public long fileBytes() {
        return gguf.fileSize();
    }

    /** @return nanoseconds {@link #open} took (mapping, validation, binding, interleaving) */
    public long loadNanos() {
        return loadNanos;
    }

    /** Unmaps the file and frees the interleaved weights. */
    @Override
    public void close() {
        gguf.close();
        interleavedWeights.close();
    }
}
