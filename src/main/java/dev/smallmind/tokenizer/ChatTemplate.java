package dev.smallmind.tokenizer;

import dev.smallmind.model.gguf.GgufFile;

import java.util.List;
import java.util.Locale;

/**
 * Turns a conversation into the prompt text a chat model was trained on, as llama.cpp's built-in templates do
 * ({@code llm_chat_detect_template} / {@code llm_chat_apply_template}): the family is recognised from the
 * {@code tokenizer.chat_template} Jinja source by the same marker strings, in the same order, and rendered by hand
 * (no Jinja). Families llama.cpp knows but this class does not, an unrecognised template and a missing one all give
 * {@link Family#PLAIN}.
 * <p>
 * The rendered text carries special-token texts such as {@code <|im_start|>}: tokenize it with
 * {@code parseSpecial = true}, and with {@code addSpecial = true} for the BOS the templates leave out.
 */
public final class ChatTemplate {
    /** GGUF key holding the model's Jinja chat template. */
    public static final String GGUF_KEY = "tokenizer.chat_template";

    /** The supported template families (llama.cpp's names in parentheses). */
    public enum Family {
        /** {@code <|im_start|>role\ncontent<|im_end|>\n} (chatml; Qwen, many fine-tunes). */
        CHATML("chatml"),
        /** chatml with {@code <|im_sep|>} after the role (phi4). */
        PHI_4("phi4"),
        /** {@code [INST] user [/INST]assistant</s>}, system text folded into the first turn (llama2). */
        LLAMA_2("llama2"),
        /** llama-2 with {@code <<SYS>>} system blocks (llama2-sys). */
        LLAMA_2_SYS("llama2-sys"),
        /** llama-2-sys with {@code <s>} before every later turn (llama2-sys-bos). */
        LLAMA_2_SYS_BOS("llama2-sys-bos"),
        /** llama-2-sys with trimmed messages (llama2-sys-strip). */
        LLAMA_2_SYS_STRIP("llama2-sys-strip"),
        /** Mistral v1: {@code  [INST] user [/INST] assistant</s>} (mistral-v1). */
        MISTRAL_V1("mistral-v1"),
        /** Mistral v3: {@code [INST] user[/INST] assistant</s>}, assistant text trimmed (mistral-v3). */
        MISTRAL_V3("mistral-v3"),
        /** Mistral v3 Tekken: {@code [INST]user[/INST]assistant</s>} (mistral-v3-tekken). */
        MISTRAL_V3_TEKKEN("mistral-v3-tekken"),
        /** Mistral v7: {@code [SYSTEM_PROMPT] ...[/SYSTEM_PROMPT][INST] user[/INST] assistant</s>} (mistral-v7). */
        MISTRAL_V7("mistral-v7"),
        /** Mistral v7 without the spaces (mistral-v7-tekken). */
        MISTRAL_V7_TEKKEN("mistral-v7-tekken"),
        /** {@code <|role|>\ncontent<|end|>\n} (phi3). */
        PHI_3("phi3"),
        /** {@code <|role|>\ncontent\n} (falcon3). */
        FALCON_3("falcon3"),
        /** {@code <|role|>\ncontent<|endoftext|>\n} (zephyr). */
        ZEPHYR("zephyr"),
        /** {@code <start_of_turn>role\ncontent<end_of_turn>\n}, assistant is "model", system merged into the next user turn (gemma). */
        GEMMA("gemma"),
        /** {@code <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>} (llama3). */
        LLAMA_3("llama3"),
        /** No markup: each message's content followed by a newline; nothing for the generation prompt. */
        PLAIN("plain");

        /** llama.cpp's name for the template, accepted by {@link #detect} as the whole template string. */
        public final String llamaName;

        Family(String llamaName) {
            this.llamaName = llamaName;
        }
    }

    private final Family family;

    private ChatTemplate(Family family) {
        this.family = family;
    }

    /** @return the template of the given family */
    public static ChatTemplate of(Family family) {
        return new ChatTemplate(family);
    }

    /**
     * @param gguf an open GGUF file
     * @return the template recognised from its {@value #GGUF_KEY}, {@link Family#PLAIN} when it has none
     */
    public static ChatTemplate fromGguf(GgufFile gguf) {
        return detect(gguf.string(GGUF_KEY, null));
    }

    /**
     * @param template a Jinja chat template, or one of llama.cpp's template names ({@code chatml}, {@code llama3},
     *                 ...); null or empty for none
     * @return the recognised family, {@link Family#PLAIN} when none
     */
    public static ChatTemplate detect(String template) {
        return new ChatTemplate(detectFamily(template));
    }

    /** @return the recognised family */
    public Family family() {
        return family;
    }

    /**
     * @param messages            the conversation
     * @param addGenerationPrompt end with the opening of an assistant turn (families whose format has no separate
     *                            opening, llama-2 and mistral, ignore it)
     * @return the prompt text
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder();
        switch (family) {
            case CHATML -> {
                for (ChatMessage m : messages) {
                    sb.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
                }
                if (addGenerationPrompt) {
                    sb.append("<|im_start|>assistant\n");
                }
            }
            case PHI_4 -> {
                for (ChatMessage m : messages) {
                    sb.append("<|im_start|>").append(m.role()).append("<|im_sep|>").append(m.content()).append("<|im_end|>");
                }
                if (addGenerationPrompt) {
                    sb.append("<|im_start|>assistant<|im_sep|>");
                }
            }
            case MISTRAL_V7, MISTRAL_V7_TEKKEN -> renderMistralV7(messages, sb);
            case MISTRAL_V1, MISTRAL_V3, MISTRAL_V3_TEKKEN -> renderMistral(messages, sb);
            case LLAMA_2, LLAMA_2_SYS, LLAMA_2_SYS_BOS, LLAMA_2_SYS_STRIP -> renderLlama2(messages, sb);
            case PHI_3 -> {
                for (ChatMessage m : messages) {
                    sb.append("<|").append(m.role()).append("|>\n").append(m.content()).append("<|end|>\n");
                }
                if (addGenerationPrompt) {
                    sb.append("<|assistant|>\n");
                }
            }
            case FALCON_3 -> {
                for (ChatMessage m : messages) {
                    sb.append("<|").append(m.role()).append("|>\n").append(m.content()).append('\n');
                }
                if (addGenerationPrompt) {
                    sb.append("<|assistant|>\n");
                }
            }
            case ZEPHYR -> {
                for (ChatMessage m : messages) {
                    sb.append("<|").append(m.role()).append("|>\n").append(m.content()).append("<|endoftext|>\n");
                }
                if (addGenerationPrompt) {
                    sb.append("<|assistant|>\n");
                }
            }
            case GEMMA -> renderGemma(messages, addGenerationPrompt, sb);
            case LLAMA_3 -> {
                for (ChatMessage m : messages) {
                    sb.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n")
                            .append(trim(m.content())).append("<|eot_id|>");
                }
                if (addGenerationPrompt) {
                    sb.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
                }
            }
            case PLAIN -> {
                for (ChatMessage m : messages) {
                    sb.append(m.content()).append('\n');
                }
            }
        }
        return sb.toString();
    }

    private void renderMistralV7(List<ChatMessage> messages, StringBuilder sb) {
        String space = family == Family.MISTRAL_V7 ? " " : "";
        for (ChatMessage m : messages) {
            switch (m.role()) {
                case "system" -> sb.append("[SYSTEM_PROMPT]").append(space).append(m.content()).append("[/SYSTEM_PROMPT]");
                case "user" -> sb.append("[INST]").append(space).append(m.content()).append("[/INST]");
                default -> sb.append(space).append(m.content()).append("</s>");
            }
        }
    }

    private void renderMistral(List<ChatMessage> messages, StringBuilder sb) {
        String leading = family == Family.MISTRAL_V1 ? " " : "";
        String trailing = family == Family.MISTRAL_V3_TEKKEN ? "" : " ";
        boolean trimAssistant = family == Family.MISTRAL_V3;
        boolean insideTurn = false;
        for (ChatMessage m : messages) {
            if (!insideTurn) {
                sb.append(leading).append("[INST]").append(trailing);
                insideTurn = true;
            }
            switch (m.role()) {
                case "system" -> sb.append(m.content()).append("\n\n");
                case "user" -> sb.append(m.content()).append(leading).append("[/INST]");
                default -> {
                    sb.append(trailing).append(trimAssistant ? trim(m.content()) : m.content()).append("</s>");
                    insideTurn = false;
                }
            }
        }
    }

    private void renderLlama2(List<ChatMessage> messages, StringBuilder sb) {
        boolean systemBlocks = family != Family.LLAMA_2;
        boolean bosInsideHistory = family == Family.LLAMA_2_SYS_BOS;
        boolean strip = family == Family.LLAMA_2_SYS_STRIP;
        boolean insideTurn = true;
        sb.append("[INST] ");
        for (ChatMessage m : messages) {
            String content = strip ? trim(m.content()) : m.content();
            if (!insideTurn) {
                insideTurn = true;
                sb.append(bosInsideHistory ? "<s>[INST] " : "[INST] ");
            }
            switch (m.role()) {
                case "system" -> {
                    if (systemBlocks) {
                        sb.append("<<SYS>>\n").append(content).append("\n<</SYS>>\n\n");
                    } else {
                        sb.append(content).append('\n');
                    }
                }
                case "user" -> sb.append(content).append(" [/INST]");
                default -> {
                    sb.append(content).append("</s>");
                    insideTurn = false;
                }
            }
        }
    }

    private static void renderGemma(List<ChatMessage> messages, boolean addGenerationPrompt, StringBuilder sb) {
        StringBuilder system = new StringBuilder();
        for (ChatMessage m : messages) {
            if (m.role().equals("system")) {
                system.append(trim(m.content()));
                continue;
            }
            String role = m.role().equals("assistant") ? "model" : m.role();
            sb.append("<start_of_turn>").append(role).append('\n');
            if (!system.isEmpty() && !role.equals("model")) {
                sb.append(system).append("\n\n");
                system.setLength(0);
            }
            sb.append(trim(m.content())).append("<end_of_turn>\n");
        }
        if (addGenerationPrompt) {
            sb.append("<start_of_turn>model\n");
        }
    }

    /** Trims C {@code isspace} characters from both ends, as llama.cpp's chat code does. */
    private static String trim(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    private static Family detectFamily(String t) {
        if (t == null || t.isEmpty()) {
            return Family.PLAIN;
        }
        for (Family f : Family.values()) {
            if (f != Family.PLAIN && f.llamaName.equals(t)) {
                return f;
            }
        }
        if (t.contains("<|im_start|>")) {
            if (t.contains("<|im_sep|>")) {
                return Family.PHI_4;
            }
            return t.contains("<end_of_utterance>") ? Family.PLAIN : Family.CHATML;
        }
        if (t.startsWith("mistral") || t.contains("[INST]")) {
            return detectInstFamily(t);
        }
        if (t.contains("<|assistant|>") && t.contains("<|end|>")) {
            return Family.PHI_3;
        }
        if (t.contains("[gMASK]<sop>")) {
            return Family.PLAIN;
        }
        if (t.contains("<|assistant|>") && t.contains("<|user|>")) {
            return t.contains("</s>") ? Family.FALCON_3 : Family.PLAIN;
        }
        if (t.contains("<|{{ item['role'] }}|>") && t.contains("<|begin_of_image|>")) {
            return Family.PLAIN;
        }
        if (t.contains("<|user|>") && t.contains("<|endoftext|>")) {
            return Family.ZEPHYR;
        }
        if (t.contains("bos_token + message['role']")) {
            return Family.PLAIN;
        }
        if (t.contains("<start_of_turn>")) {
            return Family.GEMMA;
        }
        if (t.contains("'\\n\\nAssistant: ' + eos_token") || t.contains("GPT4 Correct ")
                || (t.contains("USER: ") && t.contains("ASSISTANT: "))
                || (t.contains("### Instruction:") && t.contains("<|EOT|>"))
                || (t.contains("<|START_OF_TURN_TOKEN|>") && t.contains("<|USER_TOKEN|>"))) {
            return Family.PLAIN;
        }
        if (t.contains("<|start_header_id|>") && t.contains("<|end_header_id|>")) {
            return Family.LLAMA_3;
        }
        return Family.PLAIN;
    }

    private static Family detectInstFamily(String t) {
        if (t.contains("[SYSTEM_PROMPT]")) {
            return Family.MISTRAL_V7;
        }
        if (t.contains("' [INST] ' + system_message") || t.contains("[AVAILABLE_TOOLS]")) {
            if (t.contains(" [INST]")) {
                return Family.MISTRAL_V1;
            }
            return t.contains("\"[INST]\"") ? Family.MISTRAL_V3_TEKKEN : Family.MISTRAL_V3;
        }
        if (t.contains("content.strip()")) {
            return Family.LLAMA_2_SYS_STRIP;
        }
        if (t.contains("bos_token + '[INST]")) {
            return Family.LLAMA_2_SYS_BOS;
        }
        return t.contains("<<SYS>>") ? Family.LLAMA_2_SYS : Family.LLAMA_2;
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + family.name().toLowerCase(Locale.ROOT) + "]";
    }
}
