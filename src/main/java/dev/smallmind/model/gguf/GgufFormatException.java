package dev.smallmind.model.gguf;

/**
 * A GGUF file (or one of its values) is malformed or not what the caller asked for. The message reads
 * {@code "FILE: at offset N: what was wrong (expected X, got Y)"}; {@link #offset()} is the byte offset in the
 * file of the field at fault.
 */
public class GgufFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final long offset;

    /**
     * @param file    the file's name as the caller knows it
     * @param offset  byte offset of the offending field
     * @param problem what was wrong, with the expected and actual values
     */
    public GgufFormatException(String file, long offset, String problem) {
        super(file + ": at offset " + offset + ": " + problem);
        this.file = file;
        this.offset = offset;
    }

    /** @return the file the problem was found in */
    public String file() {
        return file;
    }

    /** @return byte offset of the offending field */
    public long offset() {
        return offset;
    }
}
