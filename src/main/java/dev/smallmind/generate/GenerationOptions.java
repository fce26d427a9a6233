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
 * @param contextShift what a generation does when the context is full: false, it ends ({@link
 *                     FinishReason#CONTEXT_FULL}); true, it keeps the first token if it is the BOS and the newer half
 *                     of the rest, evaluates those again from position 0, and goes on (llama.cpp's
 *                     {@code --context-shift}, whose cache keeps the old keys rotated to their new positions instead:
 *                     here the kept tokens are computed as if the dropped ones had never been there)
 */
public record GenerationOptions(int maxTokens, SamplerSettings sampler, List<String> stopStrings, boolean stopAtEos,
                                OutputFormat format, boolean contextShift) {
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
     * Options that end a generation when the context is full.
     *
     * @param maxTokens   most tokens to generate (>= 0)
     * @param sampler     sampling settings
     * @param stopStrings texts that end the generation when produced (excluded from the result text)
     * @param stopAtEos   whether an end-of-generation token ends it
     * @param format      the shape the text must take
     */
    public GenerationOptions(int maxTokens, SamplerSettings sampler, List<String> stopStrings, boolean stopAtEos,
                             OutputFormat format) {
        this(maxTokens, sampler, stopStrings, stopAtEos, format, false);
    }

    /**
     * Options for any text ({@link OutputFormat#TEXT}) that end a generation when the context is full.
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
        return new GenerationOptions(maxTokens, sampler, stopStrings, stopAtEos, format, contextShift);
    }

    /**
     * @param shift whether a full context is shifted rather than ending the generation
     * @return these options with that choice
     */
    public GenerationOptions withContextShift(boolean shift) {
        return new GenerationOptions(maxTokens, sampler, stopStrings, stopAtEos, format, shift);
    }

    /**
     * @param maxTokens most tokens
     * @return greedy generation of up to {@code maxTokens}, stopping at end-of-generation
     */
    public static GenerationOptions greedy(int maxTokens) {
        return new GenerationOptions(maxTokens, SamplerSettings.GREEDY, List.of(), true);
    }
}
