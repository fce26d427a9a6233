package dev.smallmind.profile;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs a class's {@code main} in a new JVM with this JVM's flags and class path (plus any extra flags): for
 * measurements and tests whose subject is the JIT's state in a fresh process, or a JVM configured otherwise. The
 * JIT compiles from profiles that every piece of code run in a JVM shares, so figures of one model taken after other
 * models or kernels ran in the same JVM are not those of a process serving that model alone
 * (docs/architecture.md, "Several models in one JVM").
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
        return run(main, extraFlags, args, timeoutSeconds, line -> { });
    }

    /**
     * {@link #run(Class, List, List, long)}, handing each line the child prints to {@code lines} as it comes.
     *
     * @param lines called on this thread with every line of output, without its line end
     */
    public static String run(Class<?> main, List<String> extraFlags, List<String> args, long timeoutSeconds,
                             Consumer<String> lines) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(extraFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(args);
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        child.getOutputStream().close();
        AtomicBoolean killed = new AtomicBoolean();
        // The output is read on this thread until the child closes it, so the time limit is kept by another.
        Thread.ofPlatform().daemon().start(() -> {
            try {
                if (!child.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    killed.set(true);
                    child.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        StringBuilder text = new StringBuilder();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                text.append(line).append('\n');
                lines.accept(line);
            }
        }
        child.waitFor();
        String output = text.toString().strip();
        if (killed.get()) {
            throw new IllegalStateException(main.getName() + ": no answer within " + timeoutSeconds + " s: " + output);
        }
        if (child.exitValue() != 0) {
            throw new IllegalStateException(main.getName() + " " + args + ": exit " + child.exitValue() + ": " + output);
        }
        return output;
    }
}
