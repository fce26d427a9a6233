package dev.smallmind.generate;

import java.util.List;

/**
 * What to generate: how many tokens, how to sample, when to stop, in what format.
 *
 * @param maxTokens   most tokens to generate (>= 0)
 * @param sampler     sampling settings
 * @param stopStrings texts that end the generation when produced (excluded from the result text)
 * @param stopAtEos   whether an end-of-generation token ends it
 * @param format      the shape the text must take ({@link OutputFormat#JSON}: one JSON object)
 */
public record GenerationOptions(int maxTokens, SamplerSettings sampler, List<String> stopStrings, boolean stopAtEos,
                                OutputFormat format) {
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
        if (format == null) {
            throw new IllegalArgumentException("the output format must be given");
        }
    }

    /**
     * Options for any text ({@link OutputFormat#TEXT}).
     *
     * @param maxTokens   most tokens to generate (>= 0)
     * @param sampler     sampling settings
     * @param stopStrings texts that end the generation when produced (excluded from the result text)
     * @param stopAtEos   whether an end-of-generation token ends it
     */
    public GenerationOptions(int maxTokens, SamplerSettings sampler, List<String> stopStrings, boolean stopAtEos) {
        this(maxTokens, sampler, stopStrings, stopAtEos, OutputFormat.TEXT);
    }

    /**
     * @param format the shape the text must take
     * @return these options with that format
     */
    public GenerationOptions withFormat(OutputFormat format) {
        return new GenerationOptions(maxTokens, sampler, stopStrings, stopAtEos, format);
    }

    /**
     * @param maxTokens most tokens
     * @return greedy generation of up to {@code maxTokens}, stopping at end-of-generation
     */
    public static GenerationOptions greedy(int maxTokens) {
        return new GenerationOptions(maxTokens, SamplerSettings.GREEDY, List.of(), true);
    }
}
