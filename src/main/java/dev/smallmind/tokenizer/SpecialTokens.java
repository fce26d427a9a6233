package dev.smallmind.tokenizer;

import org.agrona.collections.IntHashSet;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Special token ids, end-of-generation set and the order in which special texts are recognised, derived from the
 * GGUF keys and token texts in the same order and with the same heuristics as llama.cpp's vocabulary loader
 * (defaults per model type, out-of-range ids ignored, control-looking texts forced to control, "unused" control
 * tokens, strip flags for Phi-3). Where llama.cpp picks "the first" of several candidate texts by hash-map order,
 * the lowest id wins here.
 */
final class SpecialTokens {
    static final int NONE = -1;

    private static final String FULL_BAR = "\uFF5C";
    private static final String SPIECE = "\u2581";

    private static final Set<String> EOT_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]",
            "<" + FULL_BAR + "end" + SPIECE + "of" + SPIECE + "sentence" + FULL_BAR + ">", "<end_of_utterance>");
    private static final Set<String> FIM_PRE_TEXTS = Set.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
            "<" + FULL_BAR + "fim" + SPIECE + "begin" + FULL_BAR + ">", "<PRE>", SPIECE + "<PRE>", "<|code_prefix|>", "<|prefix|>");
    private static final Set<String> FIM_SUF_TEXTS = Set.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
            "<" + FULL_BAR + "fim" + SPIECE + "hole" + FULL_BAR + ">", "<SUF>", SPIECE + "<SUF>", "<|code_suffix|>", "<|suffix|>");
    private static final Set<String> FIM_MID_TEXTS = Set.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>",
            "<" + FULL_BAR + "fim" + SPIECE + "end" + FULL_BAR + ">", "<MID>", SPIECE + "<MID>", "<|code_middle|>", "<|middle|>");
    private static final Set<String> FIM_PAD_TEXTS = Set.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    private static final Set<String> FIM_REP_TEXTS = Set.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>");
    private static final Set<String> EOG_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>",
            "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]",
            "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
            "<" + FULL_BAR + "end" + SPIECE + "of" + SPIECE + "sentence" + FULL_BAR + ">", "[e~[");
    private static final Set<String> ALWAYS_RENDERED = Set.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>");

    private int bos;
    private int eos;
    private int eot = NONE;
    private int eom = NONE;
    private int unk;
    private int sep;
    private int fimPre = NONE;
    private int fimSuf = NONE;
    private int fimMid = NONE;
    private int fimPad = NONE;
    private int fimRep = NONE;
    private int fimSep = NONE;

    private final IntHashSet endOfGeneration = new IntHashSet();
    private final int[] partitionOrder;

    SpecialTokens(Vocabulary vocabulary, ModelKind kind, PreTokenizerType pre, TokenizerSpec spec) {
        bos = kind.defaultBos;
        eos = kind.defaultEos;
        unk = kind.defaultUnk;
        sep = kind.defaultSep;
        if (pre != null && pre.noBos) {
            bos = NONE;
        }
        int n = vocabulary.size();
        bos = fromKey(spec, TokenizerSpec.BOS, bos, n);
        eos = fromKey(spec, TokenizerSpec.EOS, eos, n);
        eot = fromKey(spec, TokenizerSpec.EOT, eot, n);
        eom = fromKey(spec, TokenizerSpec.EOM, eom, n);
        unk = fromKey(spec, TokenizerSpec.UNK, unk, n);
        sep = fromKey(spec, TokenizerSpec.SEP, sep, n);
        fimPre = fromKey(spec, TokenizerSpec.FIM_PRE, fimPre, n);
        fimSuf = fromKey(spec, TokenizerSpec.FIM_SUF, fimSuf, n);
        fimMid = fromKey(spec, TokenizerSpec.FIM_MID, fimMid, n);
        fimPad = fromKey(spec, TokenizerSpec.FIM_PAD, fimPad, n);
        fimRep = fromKey(spec, TokenizerSpec.FIM_REP, fimRep, n);
        fimSep = fromKey(spec, TokenizerSpec.FIM_SEP, fimSep, n);
        fimPre = fromKey(spec, TokenizerSpec.PREFIX, fimPre, n);
        fimSuf = fromKey(spec, TokenizerSpec.SUFFIX, fimSuf, n);
        fimMid = fromKey(spec, TokenizerSpec.MIDDLE, fimMid, n);

        detectByText(vocabulary);
        markUnused(vocabulary);
        collectEndOfGeneration(vocabulary);
        partitionOrder = partitionOrder(vocabulary);
        applyStripFlags(vocabulary, spec);
    }

    /** @return the BOS id (for WordPiece [CLS]), or {@link #NONE} */
    int bos() {
        return bos;
    }

    /** @return the EOS id, or {@link #NONE} */
    int eos() {
        return eos;
    }

    /** @return the unknown-token id, or {@link #NONE} */
    int unk() {
        return unk;
    }

    /** @return the separator id (WordPiece [SEP]), or {@link #NONE} */
    int sep() {
        return sep;
    }

    /** @return whether the token ends generation (EOS, EOT, EOM, FIM pad/repo/sep and control-looking texts) */
    boolean isEndOfGeneration(int id) {
        return endOfGeneration.contains(id);
    }

    /** @return control, user-defined and unknown tokens, longest text (in UTF-8 bytes) first, ties by id */
    int[] partitionOrder() {
        return partitionOrder;
    }

    private static int fromKey(TokenizerSpec spec, String key, int current, int n) {
        int id = current >= n ? NONE : current;
        Long value = spec.integers().get(key);
        if (value == null || value < 0 || value >= n) {
            return id;
        }
        return value.intValue();
    }

    private void detectByText(Vocabulary v) {
        for (int id = 0; id < v.size(); id++) {
            String t = v.text(id);
            if (eot == NONE && EOT_TEXTS.contains(t)) {
                eot = forceControl(v, id);
            }
            if (eom == NONE && t.equals("<|eom_id|>")) {
                eom = forceControl(v, id);
            }
            if (fimPre == NONE && FIM_PRE_TEXTS.contains(t)) {
                fimPre = forceControl(v, id);
            }
            if (fimSuf == NONE && FIM_SUF_TEXTS.contains(t)) {
                fimSuf = forceControl(v, id);
            }
            if (fimMid == NONE && FIM_MID_TEXTS.contains(t)) {
                fimMid = forceControl(v, id);
            }
            if (fimPad == NONE && FIM_PAD_TEXTS.contains(t)) {
                fimPad = forceControl(v, id);
            }
            if (fimRep == NONE && FIM_REP_TEXTS.contains(t)) {
                fimRep = forceControl(v, id);
            }
            if (fimSep == NONE && t.equals("<|file_sep|>")) {
                fimSep = forceControl(v, id);
            }
        }
    }

    private static int forceControl(Vocabulary v, int id) {
        v.setAttributes(id, v.attributes(id) | TokenAttributes.CONTROL);
        return id;
    }

    private static void markUnused(Vocabulary v) {
        for (int id = 0; id < v.size(); id++) {
            if (v.has(id, TokenAttributes.CONTROL) && v.text(id).contains("unused")) {
                v.setAttributes(id, v.attributes(id) | TokenAttributes.UNUSED);
            }
        }
    }

    private void collectEndOfGeneration(Vocabulary v) {
        addIfSet(fimPad);
        addIfSet(fimRep);
        addIfSet(fimSep);
        for (int id = 0; id < v.size(); id++) {
            String t = v.text(id);
            if (EOG_TEXTS.contains(t)) {
                endOfGeneration.add(id);
                forceControl(v, id);
            }
        }
        for (int id = 0; id < v.size(); id++) {
            if (ALWAYS_RENDERED.contains(v.text(id))) {
                v.setAttributes(id, TokenAttributes.USER_DEFINED);
            }
        }
        addIfSet(eos);
        addIfSet(eot);
        addIfSet(eom);
        dropHarmonyEnd(v);
        dropToolResponseEnd(v);
    }

    private void addIfSet(int id) {
        if (id != NONE) {
            endOfGeneration.add(id);
        }
    }

    /** o200k_harmony and solar-open: with return/call (or calls/flush) present, {@code <|end|>} is not an end. */
    private void dropHarmonyEnd(Vocabulary v) {
        boolean hasReturn = false;
        boolean hasCall = false;
        boolean hasFlush = false;
        int end = NONE;
        for (int id : eogIds()) {
            String t = v.text(id);
            switch (t) {
                case "<|return|>" -> hasReturn = true;
                case "<|call|>", "<|calls|>" -> hasCall = true;
                case "<|flush|>" -> hasFlush = true;
                case "<|end|>" -> end = id;
                default -> {
                }
            }
        }
        if (end != NONE && ((hasReturn && hasCall) || (hasCall && hasFlush))) {
            endOfGeneration.remove(end);
            v.setAttributes(end, TokenAttributes.USER_DEFINED);
        }
    }

    /** Gemma 4 and PaddleOCR: with {@code <|tool_response>} present, {@code </s>} is an ordinary token. */
    private void dropToolResponseEnd(Vocabulary v) {
        boolean hasToolResponse = false;
        int closing = NONE;
        for (int id : eogIds()) {
            String t = v.text(id);
            if (t.equals("<|tool_response>")) {
                hasToolResponse = true;
            } else if (t.equals("</s>")) {
                closing = id;
            }
        }
        if (hasToolResponse && closing != NONE) {
            endOfGeneration.remove(closing);
            v.setAttributes(closing, TokenAttributes.NORMAL);
        }
    }

    private int[] eogIds() {
        int[] ids = new int[endOfGeneration.size()];
        int i = 0;
        IntHashSet.IntIterator it = endOfGeneration.iterator();
        while (it.hasNext()) {
            ids[i++] = it.nextValue();
        }
        Arrays.sort(ids);
        return ids;
    }

    private static int[] partitionOrder(Vocabulary v) {
        List<int[]> entries = new ArrayList<>();
        int special = TokenAttributes.CONTROL | TokenAttributes.USER_DEFINED | TokenAttributes.UNKNOWN;
        for (int id = 0; id < v.size(); id++) {
            if (v.has(id, special)) {
                entries.add(new int[]{id, v.text(id).getBytes(StandardCharsets.UTF_8).length});
            }
        }
        entries.sort((a, b) -> a[1] != b[1] ? Integer.compare(b[1], a[1]) : Integer.compare(a[0], b[0]));
        int[] order = new int[entries.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = entries.get(i)[0];
        }
        return order;
    }

    private void applyStripFlags(Vocabulary v, TokenizerSpec spec) {
        String preName = spec.pre() == null ? "" : spec.pre();
        String arch = spec.architecture() == null ? "" : spec.architecture();
        String name = spec.name() == null ? "" : spec.name().toLowerCase(Locale.ROOT);
        if (containsAny(preName, "jina-v2-de", "jina-v2-es", "jina-v2-code") || containsAny(arch, "nomic-bert-moe", "jina-bert-v3")) {
            setFlag(v, v.id("<mask>"), TokenAttributes.LSTRIP, true);
        } else if (containsAny(name, "phi-3", "phi3")) {
            for (int id : partitionOrder) {
                setFlag(v, id, TokenAttributes.RSTRIP, true);
            }
            setFlag(v, v.id("</s>"), TokenAttributes.RSTRIP, true);
            for (String t : new String[]{"<unk>", "<s>", "<|endoftext|>"}) {
                setFlag(v, v.id(t), TokenAttributes.RSTRIP, false);
            }
        } else if (containsAny(name, "modern-bert")) {
            setFlag(v, v.id("[MASK]"), TokenAttributes.LSTRIP, true);
        }
    }

    private static boolean containsAny(String s, String... parts) {
        for (String p : parts) {
            if (s.contains(p)) {
                return true;
            }
        }
        return false;
    }

    private static void setFlag(Vocabulary v, int id, int flag, boolean on) {
        if (id >= 0) {
            v.setAttributes(id, on ? v.attributes(id) | flag : v.attributes(id) & ~flag);
        }
    }
}
