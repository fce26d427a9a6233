package dev.smallmind.tokenizer;

import dev.smallmind.model.gguf.GgufFile;
import org.agrona.collections.IntArrayList;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Text to token ids and back, built from a GGUF file's {@code tokenizer.*} metadata and reproducing llama.cpp
 * (b10573) exactly: SentencePiece BPE ({@code llama}), byte-level BPE ({@code gpt2}, with llama.cpp's
 * pre-tokenizers) and WordPiece ({@code bert}); special/control token recognition; BOS/EOS rules; the
 * end-of-generation set.
 * <p>
 * Detokenization works on bytes: every token's bytes are decoded once at load ({@code ▁} to space, {@code <0xNN>} to
 * the byte, GPT-2 byte characters to bytes, control tokens as their text, as llama.cpp's
 * {@code token_to_piece(special = true)}), so a generation loop can stream {@link #tokenBytes} without building
 * strings; a character split across tokens is reassembled with {@link Utf8Assembler}.
 * <p>
 * Instances are immutable and safe to share between threads.
 */
public final class Tokenizer {
    private static final byte[] EMPTY = new byte[0];

    private final ModelKind kind;
    private final Vocabulary vocabulary;
    private final SpecialTokens special;
    private final SpecialTokenPartitioner partitioner;
    private final boolean addBos;
    private final boolean addEos;
    private final boolean addSpacePrefix;
    private final byte[][] pieces;
    private final SpmEncoder spm;
    private final BpeEncoder bpe;
    private final WordPieceEncoder wordPiece;

    private Tokenizer(TokenizerSpec spec) {
        kind = ModelKind.named(spec.model());
        if (kind == null) {
            throw new UnsupportedTokenizerException("unsupported tokenizer.ggml.model '" + spec.model()
                    + "' (supported: llama, gpt2, bert)");
        }
        PreTokenizerType pre = null;
        if (kind == ModelKind.BPE) {
            pre = PreTokenizerType.named(spec.pre());
            if (pre == null) {
                throw new UnsupportedTokenizerException("unsupported tokenizer.ggml.pre '" + spec.pre()
                        + "' for tokenizer.ggml.model 'gpt2'");
            }
            if (spec.merges() == null) {
                throw new IllegalArgumentException("tokenizer.ggml.merges is missing for tokenizer.ggml.model 'gpt2'");
            }
        }
        if (spec.tokens() == null) {
            throw new IllegalArgumentException("tokenizer.ggml.tokens is missing");
        }
        vocabulary = new Vocabulary(spec.tokens(), spec.scores(), spec.tokenTypes());
        special = new SpecialTokens(vocabulary, kind, pre, spec);
        addBos = spec.booleans().getOrDefault(TokenizerSpec.ADD_BOS, pre != null ? pre.addBos : kind.addBos);
        addEos = spec.booleans().getOrDefault(TokenizerSpec.ADD_EOS, false);
        addSpacePrefix = spec.booleans().getOrDefault(TokenizerSpec.ADD_SPACE_PREFIX, kind.addSpacePrefix);
        if (addBos && special.bos() == SpecialTokens.NONE) {
            throw new IllegalArgumentException(TokenizerSpec.ADD_BOS + " is true, but " + TokenizerSpec.BOS + " is not set");
        }
        if (addEos && special.eos() == SpecialTokens.NONE) {
            throw new IllegalArgumentException(TokenizerSpec.ADD_EOS + " is true, but " + TokenizerSpec.EOS + " is not set");
        }
        partitioner = new SpecialTokenPartitioner(vocabulary, special.partitionOrder());
        pieces = decodePieces();
        spm = kind == ModelKind.SPM ? new SpmEncoder(vocabulary, byteFallback()) : null;
        bpe = kind == ModelKind.BPE ? new BpeEncoder(vocabulary, spec.merges(), pre) : null;
        if (kind == ModelKind.WPM) {
            boolean lowercase = spec.booleans().getOrDefault(TokenizerSpec.LOWERCASE, true);
            boolean stripAccents = spec.booleans().getOrDefault(TokenizerSpec.STRIP_ACCENTS, lowercase);
            wordPiece = new WordPieceEncoder(vocabulary, special.unk(), lowercase, stripAccents);
        } else {
            wordPiece = null;
        }
    }

    /**
     * Builds the tokenizer from a GGUF file's metadata.
     *
     * @param gguf an open GGUF file
     * @return the tokenizer
     * @throws UnsupportedTokenizerException naming the {@code tokenizer.ggml.model} or {@code tokenizer.ggml.pre}
     *                                       value when this engine does not implement it
     * @throws IllegalArgumentException      when the tokenizer metadata is inconsistent (duplicate token texts,
     *                                       arrays of the wrong length, add_bos without a BOS id, ...)
     */
    public static Tokenizer fromGguf(GgufFile gguf) {
        Map<String, Long> integers = new HashMap<>();
        for (String key : TokenizerSpec.INTEGER_KEYS) {
            if (gguf.has(key)) {
                integers.put(key, gguf.integer(key, -1));
            }
        }
        Map<String, Boolean> booleans = new HashMap<>();
        for (String key : TokenizerSpec.BOOLEAN_KEYS) {
            if (gguf.has(key)) {
                booleans.put(key, gguf.bool(key, false));
            }
        }
        String model = gguf.string("tokenizer.ggml.model", null);
        if (model == null) {
            throw new IllegalArgumentException("tokenizer.ggml.model is missing: the file has no tokenizer");
        }
        return of(new TokenizerSpec(
                model,
                gguf.string("tokenizer.ggml.pre", null),
                gguf.has("tokenizer.ggml.tokens") ? gguf.stringArray("tokenizer.ggml.tokens") : null,
                scores(gguf),
                gguf.has("tokenizer.ggml.token_type") ? gguf.intArray("tokenizer.ggml.token_type") : null,
                gguf.has("tokenizer.ggml.merges") ? gguf.stringArray("tokenizer.ggml.merges") : null,
                integers, booleans,
                gguf.string("general.name", null),
                gguf.string("general.architecture", null)));
    }

    /** @return {@code tokenizer.ggml.scores} as floats (llama.cpp also accepts an INT32 array), or null */
    private static float[] scores(GgufFile gguf) {
        String key = "tokenizer.ggml.scores";
        if (!gguf.has(key)) {
            return null;
        }
        if (gguf.value(key).isArray() && gguf.value(key).elementType().isInteger()) {
            int[] ints = gguf.intArray(key);
            float[] out = new float[ints.length];
            for (int i = 0; i < ints.length; i++) {
                out[i] = ints[i];
            }
            return out;
        }
        return gguf.floatArray(key);
    }

    /** Builds the tokenizer from metadata given as plain values. */
    static Tokenizer of(TokenizerSpec spec) {
        return new Tokenizer(spec);
    }

    /**
     * Tokenizes text as llama.cpp's {@code llama_tokenize}.
     *
     * @param text         the text (a lone surrogate is encoded as {@code '?'}, as {@link String#getBytes} does)
     * @param addSpecial   add BOS/EOS as the model asks ({@link #addBos()}, {@link #addEos()}; WordPiece adds
     *                     [CLS] ... [SEP])
     * @param parseSpecial recognise control and unknown token texts (e.g. {@code <|im_end|>}) as those tokens;
     *                     user-defined tokens are recognised either way
     * @return the token ids
     */
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntArrayList out = new IntArrayList(Math.max(16, text.length() / 2), Integer.MIN_VALUE);
        IntArrayList fragments = partitioner.partition(text, parseSpecial);
        if (addSpecial && (kind == ModelKind.WPM || addBos)) {
            requireId(special.bos(), TokenizerSpec.BOS);
            out.addInt(special.bos());
        }
        boolean previousSpecial = true;
        for (int f = 0; f < fragments.size(); f += 3) {
            int token = fragments.getInt(f);
            if (token >= 0) {
                out.addInt(token);
                previousSpecial = true;
                continue;
            }
            String raw = text.substring(fragments.getInt(f + 1), fragments.getInt(f + 2));
            switch (kind) {
                case SPM -> {
                    String prefixed = addSpacePrefix && previousSpecial ? " " + raw : raw;
                    spm.encode(prefixed.replace(' ', '\u2581'), out);
                }
                case BPE -> bpe.encode(raw, out);
                case WPM -> wordPiece.encode(raw, out);
            }
            previousSpecial = false;
        }
        if (addSpecial && kind == ModelKind.WPM) {
            requireId(special.sep(), TokenizerSpec.SEP);
            out.addInt(special.sep());
        } else if (addSpecial && addEos) {
            out.addInt(special.eos());
        }
        return out.toIntArray();
    }

    /**
     * @param id a token id
     * @return the token's bytes as llama.cpp's {@code token_to_piece(special = true)}: control, unknown and
     * user-defined tokens render as their text. Borrowed: the same array on every call, never modify it.
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public byte[] tokenBytes(int id) {
        checkId(id);
        return pieces[id];
    }

    /**
     * @param ids token ids
     * @return the concatenation of their {@link #tokenBytes} (no leading space removed, control tokens as text),
     * like llama-server's {@code /detokenize}
     */
    public byte[] decode(int[] ids) {
        int total = 0;
        for (int id : ids) {
            total += tokenBytes(id).length;
        }
        byte[] out = new byte[total];
        int at = 0;
        for (int id : ids) {
            byte[] p = pieces[id];
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /**
     * @param id a token id
     * @return {@link #tokenBytes} as text (bytes that are not valid UTF-8 on their own, such as a {@code <0xF0>}
     * byte token, become U+FFFD)
     */
    public String piece(int id) {
        return new String(tokenBytes(id), StandardCharsets.UTF_8);
    }

    /**
     * @param id a token id
     * @return the token's text as stored in the vocabulary (e.g. {@code ▁Hello}, {@code <0x0A>}, {@code Ġworld})
     */
    public String tokenText(int id) {
        checkId(id);
        return vocabulary.text(id);
    }

    /**
     * @param text a token's vocabulary text, e.g. {@code <|im_end|>} or {@code ▁Hello}
     * @return its id, or -1 when no token has that text
     */
    public int tokenId(String text) {
        return vocabulary.id(text);
    }

    /** @return the number of tokens */
    public int vocabSize() {
        return vocabulary.size();
    }

    /** @return the BOS (for WordPiece: [CLS]) id, or -1 when the model has none */
    public int bos() {
        return special.bos();
    }

    /** @return the EOS id, or -1 when the model has none */
    public int eos() {
        return special.eos();
    }

    /** @return whether {@link #encode} with {@code addSpecial} prepends BOS */
    public boolean addBos() {
        return addBos;
    }

    /** @return whether {@link #encode} with {@code addSpecial} appends EOS */
    public boolean addEos() {
        return addEos;
    }

    /**
     * @param id a token id
     * @return whether generating this token ends generation (EOS, EOT, EOM and the end-of-turn texts llama.cpp
     * recognises, such as {@code <|im_end|>}, {@code <|eot_id|>}, {@code <|end|>}, {@code <end_of_turn>})
     */
    public boolean isEndOfGeneration(int id) {
        return special.isEndOfGeneration(id);
    }

    /**
     * @param id a token id
     * @return whether the token stands for text a model writes: a normal, user-defined or byte token, not a control,
     * unknown or unused one (whose {@link #tokenBytes} are only its name, or nothing)
     */
    public boolean isText(int id) {
        checkId(id);
        return vocabulary.has(id, TokenAttributes.NORMAL | TokenAttributes.USER_DEFINED | TokenAttributes.BYTE);
    }

    private void checkId(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + pieces.length + " tokens");
        }
    }

    private static void requireId(int id, String key) {
        if (id == SpecialTokens.NONE) {
            throw new IllegalArgumentException("adding special tokens needs " + key + ", which is not set");
        }
    }

    private byte[][] decodePieces() {
        int n = vocabulary.size();
        byte[][] out = new byte[n][];
        int verbatim = TokenAttributes.UNKNOWN | TokenAttributes.CONTROL | TokenAttributes.USER_DEFINED;
        for (int id = 0; id < n; id++) {
            String text = vocabulary.text(id);
            if (vocabulary.has(id, verbatim)) {
                out[id] = text.getBytes(StandardCharsets.UTF_8);
            } else if (vocabulary.has(id, TokenAttributes.NORMAL)) {
                out[id] = kind == ModelKind.BPE ? ByteLevel.decodeText(text)
                        : text.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
            } else if (vocabulary.has(id, TokenAttributes.BYTE)) {
                out[id] = new byte[]{(byte) hexByte(text)};
            } else {
                out[id] = EMPTY;
            }
        }
        return out;
    }

    /** @return the value of the hex digits at positions 3..4 of {@code <0xNN>}, as llama.cpp's {@code strtol} */
    private static int hexByte(String text) {
        int value = 0;
        for (int i = 3; i < Math.min(5, text.length()); i++) {
            int d = Character.digit(text.charAt(i), 16);
            if (d < 0) {
                break;
            }
            value = value * 16 + d;
        }
        return value;
    }

    /**
     * @return the token for each byte value: {@code <0xNN>}, else the one-character token for ASCII bytes, else the
     * unknown token (where llama.cpp would abort)
     */
    private int[] byteFallback() {
        int[] ids = new int[256];
        for (int b = 0; b < 256; b++) {
            int id = vocabulary.id(String.format("<0x%02X>", b));
            if (id < 0 && b < 0x80) {
                id = vocabulary.id(String.valueOf((char) b));
            }
            ids[b] = id >= 0 ? id : special.unk();
        }
        return ids;
    }
}
