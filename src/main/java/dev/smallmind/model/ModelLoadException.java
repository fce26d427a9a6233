package dev.smallmind.model;

/**
 * A model file that is a valid GGUF but cannot be run: an unsupported architecture or weight type, a missing
 * tensor or key, a tensor with the wrong shape. The message names the file, the tensor or key, and what was
 * expected versus found.
 */
public final class ModelLoadException extends RuntimeException {
    /**
     * @param message what is wrong, naming the file and tensor or key
     */
    public ModelLoadException(String message) {
        super(message);
    }
}
