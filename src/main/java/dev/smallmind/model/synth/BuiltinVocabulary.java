package dev.smallmind.model.synth;

import dev.smallmind.model.gguf.GgufType;
import dev.smallmind.model.gguf.GgufValue;
import dev.smallmind.model.gguf.GgufWriter;

/**
 * A self-contained SentencePiece-style vocabulary for synthetic models when no vocabulary file is given:
 * {@code <unk>}, {@code <s>}, {@code </s>}, the 256 byte tokens (every text encodes through byte fallback), then
 * unused filler tokens up to the requested size so the output projection has the realistic width.
 */
final class BuiltinVocabulary {
    private static final int TYPE_UNKNOWN = 2;
    private static final int TYPE_CONTROL = 3;
    private static final int TYPE_UNUSED = 5;
    private static final int TYPE_BYTE = 6;

    private BuiltinVocabulary() {
    }

    static void write(GgufWriter w, int size) {
        if (size < 259) {
            throw new IllegalArgumentException("the built-in vocabulary needs at least 259 tokens, asked " + size);
        }
        String[] tokens = new String[size];
        float[] scores = new float[size];
        int[] types = new int[size];
        tokens[0] = "<unk>";
        types[0] = TYPE_UNKNOWN;
        tokens[1] = "<s>";
        types[1] = TYPE_CONTROL;
        tokens[2] = "</s>";
        types[2] = TYPE_CONTROL;
        for (int b = 0; b < 256; b++) {
            tokens[3 + b] = String.format("<0x%02X>", b);
            types[3 + b] = TYPE_BYTE;
        }
        for (int i = 259; i < size; i++) {
            tokens[i] = "<unused" + (i - 259) + ">";
            types[i] = TYPE_UNUSED;
            scores[i] = -i;
        }
        w.put("tokenizer.ggml.model", GgufValue.string("llama"));
        w.put("tokenizer.ggml.tokens", GgufValue.stringArray(tokens));
        w.put("tokenizer.ggml.scores", GgufValue.floatArray(scores));
        w.put("tokenizer.ggml.token_type", GgufValue.array(GgufType.INT32, types));
        w.put("tokenizer.ggml.unknown_token_id", GgufValue.uint32(0));
        w.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(1));
        w.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(2));
    }
}
