package dev.smallmind.tokenizer;

/**
 * The tokenizer algorithms llama.cpp selects by {@code tokenizer.ggml.model}, with its default special ids and
 * {@code add_bos_token} / {@code add_space_prefix} defaults for each (ids it reads but never uses for
 * tokenizing, such as padding, are left out).
 */
enum ModelKind {
    /** SentencePiece BPE by scores ({@code llama}). */
    SPM("llama", 1, 2, 0, SpecialTokens.NONE, true, true),
    /** Byte-level BPE by merge ranks ({@code gpt2}). */
    BPE("gpt2", 11, 11, SpecialTokens.NONE, SpecialTokens.NONE, false, false),
    /** WordPiece, greedy longest match ({@code bert}). */
    WPM("bert", 101, SpecialTokens.NONE, 100, 102, true, false);

    final String ggufName;
    final int defaultBos;
    final int defaultEos;
    final int defaultUnk;
    final int defaultSep;
    final boolean addBos;
    final boolean addSpacePrefix;

    ModelKind(String ggufName, int bos, int eos, int unk, int sep, boolean addBos, boolean addSpacePrefix) {
        this.ggufName = ggufName;
        this.defaultBos = bos;
        this.defaultEos = eos;
        this.defaultUnk = unk;
        this.defaultSep = sep;
        this.addBos = addBos;
        this.addSpacePrefix = addSpacePrefix;
    }

    /** @return the kind for a {@code tokenizer.ggml.model} value, or null when not supported */
    static ModelKind named(String model) {
        for (ModelKind k : values()) {
            if (k.ggufName.equals(model)) {
                return k;
            }
        }
        return null;
    }
}
