package dev.smallmind.cli;

/** Entry point of the {@code smallmind} command. */
public final class Main {
    private Main() {
    }

    /**
     * @param args command and its options
     */
    public static void main(String[] args) {
        System.out.println("smallmind: commands arrive with the model layer");
    }
}
