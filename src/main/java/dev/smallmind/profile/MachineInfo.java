package dev.smallmind.profile;

import dev.smallmind.json.JsonWriter;
import jdk.incubator.vector.FloatVector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where and when a report was measured, so figures from different machines or commits are never confused.
 *
 * @param cpu        CPU model ({@code model name} of /proc/cpuinfo, else the OS architecture)
 * @param features   the SIMD features that matter to the kernels, as the CPU reports them
 * @param cores      processors available to the JVM
 * @param vectorBits width of the Vector API's preferred float species
 * @param jdk        JDK vendor and version
 * @param os         operating system name, version and architecture
 * @param date       UTC time of the run (ISO 8601, seconds)
 * @param commit     {@code git rev-parse HEAD} of the working directory, or {@code unknown}
 * @param load       the system's 1-minute load average when the run started (other processes competing for the
 *                   cores), or -1 when unknown
 */
public record MachineInfo(String cpu, String features, int cores, int vectorBits, String jdk, String os, String date,
                          String commit, double load) {
    private static final String[] FEATURES = {"avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512_vnni",
            "avx512_bf16", "asimd", "sve"};

    /** @return this machine, now */
    public static MachineInfo detect() {
        String cpuinfo = read(Path.of("/proc/cpuinfo"));
        String cpu = cpuModel(cpuinfo);
        String arch = System.getProperty("os.arch");
        return new MachineInfo(cpu == null ? arch : cpu, features(cpuinfo),
                Runtime.getRuntime().availableProcessors(), FloatVector.SPECIES_PREFERRED.vectorBitSize(),
                System.getProperty("java.vm.vendor", "?") + " " + Runtime.version(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + arch,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), gitCommit(),
                loadAverage(read(Path.of("/proc/loadavg"))));
    }

    /**
     * @param loadavg text of /proc/loadavg
     * @return its 1-minute load average, or -1 when unreadable
     */
    static double loadAverage(String loadavg) {
        String[] parts = loadavg.trim().split("\\s+");
        try {
            double v = Double.parseDouble(parts[0]);
            return v >= 0 && Double.isFinite(v) ? v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** @return whether other processes kept at least half the cores busy when the run started */
    public boolean busy() {
        return load >= 0.5 * cores;
    }

    /** @return a warning about a busy machine, or null when it was quiet or the load is unknown */
    public String loadWarning() {
        if (!busy()) {
            return null;
        }
        return String.format(java.util.Locale.ROOT, "load average %.1f on %d cores when the run started: other "
                + "processes competed for the CPU, so figures are low and noisy", load, cores);
    }

    /**
     * @param cpuinfo text of /proc/cpuinfo (may be empty)
     * @return the first {@code model name} (x86) or {@code Model}/{@code CPU part} line's value, or null
     */
    static String cpuModel(String cpuinfo) {
        for (String key : new String[] {"model name", "Model", "Hardware", "CPU part"}) {
            for (String line : cpuinfo.split("\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
                    String v = line.substring(colon + 1).trim();
                    if (!v.isEmpty()) {
                        return v;
                    }
                }
            }
        }
        return null;
    }

    /**
     * @param cpuinfo text of /proc/cpuinfo (may be empty)
     * @return the listed SIMD features found in the first {@code flags}/{@code Features} line, space-separated
     */
    static String features(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            if (key.equals("flags") || key.equals("Features")) {
                List<String> have = List.of(line.substring(colon + 1).trim().split("\\s+"));
                List<String> found = new ArrayList<>();
                for (String f : FEATURES) {
                    if (have.contains(f)) {
                        found.add(f);
                    }
                }
                return String.join(" ", found);
            }
        }
        return "";
    }

    /**
     * @param w writer positioned where an object value may start
     */
    void write(JsonWriter w) {
        w.beginObject().field("cpu", cpu).field("features", features).field("cores", cores)
                .field("vector_bits", vectorBits).field("jdk", jdk).field("os", os).field("date", date)
                .field("commit", commit).field("load_average", load).endObject();
    }

    /** @return a one-line description */
    public String oneLine() {
        return cpu + ", " + cores + " cores, " + vectorBits + "-bit vectors, JDK " + jdk + ", commit "
                + (commit.length() > 12 ? commit.substring(0, 12) : commit) + ", " + date;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String gitCommit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "unknown";
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 && out.matches("[0-9a-f]{40}") ? out : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
