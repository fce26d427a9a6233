package dev.smallmind.tokenizer;

import java.util.Map;

/**
 * The tokenizer-relevant GGUF metadata as plain values: what {@link Tokenizer#fromGguf} reads, and what tests can
 * build by hand.
 *
 * @param model        {@code tokenizer.ggml.model}
 * @param pre          {@code tokenizer.ggml.pre}, or null when absent
 * @param tokens       {@code tokenizer.ggml.tokens}
 * @param scores       {@code tokenizer.ggml.scores}, or null
 * @param tokenTypes   {@code tokenizer.ggml.token_type}, or null
 * @param merges       {@code tokenizer.ggml.merges}, or null
 * @param integers     the present integer keys among {@link #INTEGER_KEYS} (full key names)
 * @param booleans     the present boolean keys among {@link #BOOLEAN_KEYS}
 * @param name         {@code general.name}, or null
 * @param architecture {@code general.architecture}, or null
 */
record TokenizerSpec(String model, String pre, String[] tokens, float[] scores, int[] tokenTypes, String[] merges,
                     Map<String, Long> integers, Map<String, Boolean> booleans, String name, String architecture) {
    static final String BOS = "tokenizer.ggml.bos_token_id";
    static final String EOS = "tokenizer.ggml.eos_token_id";
    static final String EOT = "tokenizer.ggml.eot_token_id";
    static final String EOM = "tokenizer.ggml.eom_token_id";
    static final String UNK = "tokenizer.ggml.unknown_token_id";
    static final String SEP = "tokenizer.ggml.seperator_token_id";
    static final String FIM_PRE = "tokenizer.ggml.fim_pre_token_id";
    static final String FIM_SUF = "tokenizer.ggml.fim_suf_token_id";
    static final String FIM_MID = "tokenizer.ggml.fim_mid_token_id";
    static final String FIM_PAD = "tokenizer.ggml.fim_pad_token_id";
    static final String FIM_REP = "tokenizer.ggml.fim_rep_token_id";
    static final String FIM_SEP = "tokenizer.ggml.fim_sep_token_id";
    static final String PREFIX = "tokenizer.ggml.prefix_token_id";
    static final String SUFFIX = "tokenizer.ggml.suffix_token_id";
    static final String MIDDLE = "tokenizer.ggml.middle_token_id";

    static final String ADD_BOS = "tokenizer.ggml.add_bos_token";
    static final String ADD_EOS = "tokenizer.ggml.add_eos_token";
    static final String ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";
    static final String LOWERCASE = "tokenizer.ggml.normalizer.lowercase";
    static final String STRIP_ACCENTS = "tokenizer.ggml.normalizer.strip_accents";

    /** Integer keys the tokenizer reads. */
    static final String[] INTEGER_KEYS = {BOS, EOS, EOT, EOM, UNK, SEP, FIM_PRE, FIM_SUF, FIM_MID, FIM_PAD,
            FIM_REP, FIM_SEP, PREFIX, SUFFIX, MIDDLE};
    /** Boolean keys the tokenizer reads. */
    static final String[] BOOLEAN_KEYS = {ADD_BOS, ADD_EOS, ADD_SPACE_PREFIX, LOWERCASE, STRIP_ACCENTS};
}
