package dev.smallmind.cli;

import dev.smallmind.generate.OutputFormat;
import dev.smallmind.generate.SamplerSettings;

/**
 * Sampling options shared by {@code generate} and {@code chat}; defaults are llama.cpp's. {@code --format json}
 * holds the output to one JSON object.
 */
final class SamplingOptions {
    private SamplingOptions() {
    }

    static SamplerSettings read(Args a) {
        long seed = a.longValue("--seed", System.nanoTime());
        return new SamplerSettings(
                a.number("--temp", null, 0.8f),
                a.integer("--top-k", null, 40),
                a.number("--top-p", null, 0.95f),
                a.number("--min-p", null, 0.05f),
                a.number("--repeat-penalty", null, 1f),
                a.number("--frequency-penalty", null, 0f),
                a.number("--presence-penalty", null, 0f),
                a.integer("--repeat-last-n", null, 64),
                seed);
    }

    static OutputFormat format(Args a) {
        String format = a.string("--format", null, "text");
        return switch (format) {
            case "text" -> OutputFormat.TEXT;
            case "json" -> OutputFormat.JSON;
            default -> throw new UsageException("--format must be text or json, got " + format);
        };
    }
}
