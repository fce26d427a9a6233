package dev.smallmind.cli;

/** A user mistake on the command line: printed as one line, exit code 2, no stack trace. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
