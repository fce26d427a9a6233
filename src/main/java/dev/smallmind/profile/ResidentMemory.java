package dev.smallmind.profile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's resident set size ({@code VmRSS} in /proc/self/status): heap, off-heap arenas and the pages of
 * mapped model files that have been touched. Linux only; elsewhere it reads as unknown.
 */
final class ResidentMemory {
    private ResidentMemory() {
    }

    /** @return resident bytes now, or -1 when the system does not tell */
    static long bytes() {
        try {
            return parse(Files.readString(Path.of("/proc/self/status"), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * @param status text of /proc/self/status
     * @return its {@code VmRSS} in bytes, or -1 when absent or malformed
     */
    static long parse(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring(6).trim().split("\\s+");
                if (parts.length == 2 && parts[1].equals("kB") && parts[0].matches("[0-9]{1,15}")) {
                    return Long.parseLong(parts[0]) * 1024;
                }
                return -1;
            }
        }
        return -1;
    }
}
