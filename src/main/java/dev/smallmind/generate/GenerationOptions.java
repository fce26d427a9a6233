package dev.smallmind.generate;

import java.util.List;

/**
 * What to generate: how many tokens, how to sample, when to stop.
 *
 * @param maxTokens   most tokens to generate (>= 0)
 * @param sampler     sampling settings
 * @param stopStrings texts that end the generation when produced (excluded from the result text)
 * @param stopAtEos   whether an end-of-generation token ends it
 */
public record GenerationOptions(int maxTokens, SamplerSettings sampler, List<String> stopStrings, boolean stopAtEos) {
    /**
     * @throws IllegalArgumentException for a negative token count or empty stop string
     */
    public GenerationOptions {
        if (maxTokens < 0) {
            throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
        }
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
    }

    /**
     * @param maxTokens most tokens
     * @return greedy generation of up to {@code maxTokens}, stopping at end-of-generation
     */
    public static GenerationOptions greedy(int maxTokens) {
        return new GenerationOptions(maxTokens, SamplerSettings.GREEDY, List.of(), true);
    }
}
