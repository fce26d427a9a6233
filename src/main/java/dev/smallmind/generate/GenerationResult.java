package dev.smallmind.generate;

/**
 * The outcome of one generation.
 *
 * @param promptTokens  the prompt's token ids
 * @param tokens        generated token ids (including an end-of-generation token that stopped it)
 * @param text          generated text (UTF-8 decoded, invalid bytes replaced by U+FFFD, stop string excluded)
 * @param finishReason  why it ended
 * @param timings       prefill/decode timings
 * @param memory        GC and allocation counters of the decode phase
 * @param contextShifts times the context was full and shifted ({@link GenerationOptions#contextShift}); their
 *                      re-evaluation is part of the decode time
 */
public record GenerationResult(int[] promptTokens, int[] tokens, String text, FinishReason finishReason,
                               Timings timings, DecodeMemory memory, int contextShifts) {
}
