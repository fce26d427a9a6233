package dev.smallmind.cli;

import java.io.PrintStream;

/** A one-line progress bar on standard error, redrawn in place. */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream err;
    private final String label;
    private final int total;
    private final long start = System.nanoTime();

    ProgressBar(PrintStream err, String label, int total) {
        this.err = err;
        this.label = label;
        this.total = Math.max(total, 1);
    }

    void update(int done) {
        int filled = (int) ((long) done * WIDTH / total);
        double secs = (System.nanoTime() - start) / 1e9;
        err.printf("\r%s [%s%s] %d/%d %.1fs", label, "#".repeat(filled), ".".repeat(WIDTH - filled), done, total, secs);
        err.flush();
    }

    void done() {
        err.println();
    }
}
