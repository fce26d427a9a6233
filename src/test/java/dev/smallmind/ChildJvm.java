package dev.smallmind;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a class's {@code main} in a new JVM with this JVM's flags and class path (plus any extra flags), for tests
 * whose subject is the JIT's state in a fresh process or a JVM configured otherwise.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * @param main           class whose {@code main} runs
     * @param extraFlags     JVM flags added after this JVM's own
     * @param args           arguments of {@code main}
     * @param timeoutSeconds longest wait; the child is killed after it
     * @return what the child printed (standard output and error)
     * @throws IllegalStateException when the child exits with another code than 0 or does not end in time
     */
    public static String run(Class<?> main, List<String> extraFlags, List<String> args, long timeoutSeconds)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(extraFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(args);
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = child.getInputStream().readAllBytes();
        if (!child.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new IllegalStateException(main.getName() + ": no answer within " + timeoutSeconds + " s");
        }
        String text = new String(output, StandardCharsets.UTF_8).strip();
        if (child.exitValue() != 0) {
            throw new IllegalStateException(main.getName() + " " + args + ": exit " + child.exitValue() + ": " + text);
        }
        return text;
    }
}
