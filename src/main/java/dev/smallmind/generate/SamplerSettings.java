package dev.smallmind.generate;

/**
 * How the next token is chosen from the logits. The chain follows llama.cpp's default order: penalties, top-k,
 * top-p, min-p, temperature, then a draw. A temperature of 0 means greedy (arg-max after penalties).
 *
 * @param temperature       0 for greedy, else the softmax temperature (> 0)
 * @param topK              keep the k most likely tokens; 0 disables
 * @param topP              keep the smallest set whose probability reaches p; 1 disables
 * @param minP              drop tokens less likely than minP times the most likely one; 0 disables
 * @param repeatPenalty     divide positive (multiply negative) logits of recent tokens; 1 disables
 * @param frequencyPenalty  subtract count times this from recent tokens' logits; 0 disables
 * @param presencePenalty   subtract this once from every recent token's logit; 0 disables
 * @param penaltyWindow     how many recent tokens the penalties look at
 * @param seed              seed of the random draw; the same seed gives the same output
 */
public record SamplerSettings(float temperature, int topK, float topP, float minP, float repeatPenalty,
                              float frequencyPenalty, float presencePenalty, int penaltyWindow, long seed) {

    /** Greedy decoding, no penalties. */
    public static final SamplerSettings GREEDY = new SamplerSettings(0f, 0, 1f, 0f, 1f, 0f, 0f, 64, 0);

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties. */
    public static SamplerSettings defaults(long seed) {
        return new SamplerSettings(0.8f, 40, 0.95f, 0.05f, 1f, 0f, 0f, 64, seed);
    }

    /**
     * @throws IllegalArgumentException naming the first invalid value
     */
    public SamplerSettings {
        check(Float.isFinite(temperature) && temperature >= 0, "temperature must be >= 0, got " + temperature);
        check(topK >= 0, "top-k must be >= 0, got " + topK);
        check(topP > 0 && topP <= 1, "top-p must be in (0, 1], got " + topP);
        check(minP >= 0 && minP <= 1, "min-p must be in [0, 1], got " + minP);
        check(Float.isFinite(repeatPenalty) && repeatPenalty > 0, "repeat penalty must be > 0, got " + repeatPenalty);
        check(Float.isFinite(frequencyPenalty), "frequency penalty must be finite, got " + frequencyPenalty);
        check(Float.isFinite(presencePenalty), "presence penalty must be finite, got " + presencePenalty);
        check(penaltyWindow >= 0, "penalty window must be >= 0, got " + penaltyWindow);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** @return true when sampling is plain arg-max */
    public boolean greedy() {
        return temperature == 0f;
    }

    /** @return true when any penalty is active */
    public boolean penalized() {
        return penaltyWindow > 0 && (repeatPenalty != 1f || frequencyPenalty != 0f || presencePenalty != 0f);
    }

    /**
     * @param t new temperature
     * @return a copy with that temperature
     */
    public SamplerSettings withTemperature(float t) {
        return new SamplerSettings(t, topK, topP, minP, repeatPenalty, frequencyPenalty, presencePenalty,
                penaltyWindow, seed);
    }
}
