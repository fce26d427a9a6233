package dev.smallmind.tokenizer;

import dev.smallmind.SharedData;
import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.tokenizer.ChatTemplate.Family;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ChatTemplateTest {
    private static final List<ChatMessage> CHAT = List.of(
            new ChatMessage("system", "You are helpful."),
            new ChatMessage("user", "Hi"),
            new ChatMessage("assistant", "Hello!"),
            new ChatMessage("user", "How are you?"));

    private static String render(Family family, boolean generationPrompt) {
        return ChatTemplate.of(family).render(CHAT, generationPrompt);
    }

    @Test
    void chatml() {
        assertEquals("<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nHow are you?<|im_end|>\n"
                + "<|im_start|>assistant\n", render(Family.CHATML, true));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n",
                ChatTemplate.of(Family.CHATML).render(List.of(new ChatMessage("user", "Hi")), false));
    }

    @Test
    void phi4() {
        assertEquals("<|im_start|>system<|im_sep|>You are helpful.<|im_end|><|im_start|>user<|im_sep|>Hi<|im_end|>"
                + "<|im_start|>assistant<|im_sep|>Hello!<|im_end|><|im_start|>user<|im_sep|>How are you?<|im_end|>"
                + "<|im_start|>assistant<|im_sep|>", render(Family.PHI_4, true));
    }

    @Test
    void llama2Variants() {
        assertEquals("[INST] You are helpful.\nHi [/INST]Hello!</s>[INST] How are you? [/INST]",
                render(Family.LLAMA_2, true));
        assertEquals("[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi [/INST]Hello!</s>[INST] How are you? [/INST]",
                render(Family.LLAMA_2_SYS, true));
        assertEquals("[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\nHi [/INST]Hello!</s><s>[INST] How are you? [/INST]",
                render(Family.LLAMA_2_SYS_BOS, false));
        List<ChatMessage> padded = List.of(new ChatMessage("user", "  Hi \n"), new ChatMessage("assistant", " Yo "));
        assertEquals("[INST] Hi [/INST]Yo</s>", ChatTemplate.of(Family.LLAMA_2_SYS_STRIP).render(padded, true));
    }

    @Test
    void llama3TrimsContent() {
        assertEquals("<|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHow are you?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", render(Family.LLAMA_3, true));
        assertEquals("<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
                ChatTemplate.of(Family.LLAMA_3).render(List.of(new ChatMessage("user", "\n Hi\t")), false));
    }

    @Test
    void phi3FalconZephyr() {
        assertEquals("<|system|>\nYou are helpful.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n"
                + "<|user|>\nHow are you?<|end|>\n<|assistant|>\n", render(Family.PHI_3, true));
        assertEquals("<|system|>\nYou are helpful.\n<|user|>\nHi\n<|assistant|>\nHello!\n<|user|>\nHow are you?\n"
                + "<|assistant|>\n", render(Family.FALCON_3, true));
        assertEquals("<|system|>\nYou are helpful.<|endoftext|>\n<|user|>\nHi<|endoftext|>\n"
                + "<|assistant|>\nHello!<|endoftext|>\n<|user|>\nHow are you?<|endoftext|>\n", render(Family.ZEPHYR, false));
    }

    @Test
    void mistralVariants() {
        assertEquals(" [INST] You are helpful.\n\nHi [/INST] Hello!</s> [INST] How are you? [/INST]",
                render(Family.MISTRAL_V1, true));
        List<ChatMessage> spaced = List.of(new ChatMessage("user", "Hi"), new ChatMessage("assistant", " Hello! "),
                new ChatMessage("user", "More"));
        assertEquals("[INST] Hi[/INST] Hello!</s>[INST] More[/INST]",
                ChatTemplate.of(Family.MISTRAL_V3).render(spaced, true));
        assertEquals("[INST]You are helpful.\n\nHi[/INST]Hello!</s>[INST]How are you?[/INST]",
                render(Family.MISTRAL_V3_TEKKEN, true));
        assertEquals("[SYSTEM_PROMPT] You are helpful.[/SYSTEM_PROMPT][INST] Hi[/INST] Hello!</s>[INST] How are you?[/INST]",
                render(Family.MISTRAL_V7, true));
        assertEquals("[SYSTEM_PROMPT]You are helpful.[/SYSTEM_PROMPT][INST]Hi[/INST]Hello!</s>[INST]How are you?[/INST]",
                render(Family.MISTRAL_V7_TEKKEN, true));
    }

    @Test
    void gemmaMergesSystemIntoFirstUserTurn() {
        assertEquals("<start_of_turn>user\nYou are helpful.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
                + "<start_of_turn>user\nHow are you?<end_of_turn>\n<start_of_turn>model\n", render(Family.GEMMA, true));
    }

    @Test
    void plainJoinsContents() {
        assertEquals("You are helpful.\nHi\nHello!\nHow are you?\n", render(Family.PLAIN, true));
    }

    @Test
    void detectsFamiliesFromJinjaMarkersInLlamaCppOrder() {
        assertEquals(Family.CHATML, detect("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"));
        assertEquals(Family.PHI_4, detect("{{'<|im_start|>' + message['role'] + '<|im_sep|>'}}"));
        assertEquals(Family.PLAIN, detect("<|im_start|>User:{{ content }}<end_of_utterance>"));
        assertEquals(Family.LLAMA_3, detect("{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}"));
        assertEquals(Family.LLAMA_2_SYS_STRIP, detect("{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}<<SYS>>"));
        assertEquals(Family.LLAMA_2_SYS_BOS, detect("{{ bos_token + '[INST] ' + content + ' [/INST]' }}<<SYS>>"));
        assertEquals(Family.LLAMA_2_SYS, detect("{{ '[INST] ' + content + ' [/INST]' }}<<SYS>>"));
        assertEquals(Family.LLAMA_2, detect("{{ '[INST] ' + content + ' [/INST]' }}"));
        assertEquals(Family.MISTRAL_V1, detect("{{ ' [INST] ' + system_message }}"));
        assertEquals(Family.MISTRAL_V3, detect("{{ '[INST] ' + content }}[AVAILABLE_TOOLS]"));
        assertEquals(Family.MISTRAL_V3_TEKKEN, detect("{{ \"[INST]\" + content }}[AVAILABLE_TOOLS]"));
        assertEquals(Family.MISTRAL_V7, detect("[SYSTEM_PROMPT]{{ x }}[INST]"));
        assertEquals(Family.PHI_3, detect("{{'<|user|>' + '\\n' + message['content'] + '<|end|>' + '\\n' + '<|assistant|>'}}"));
        assertEquals(Family.FALCON_3, detect("<|user|>{{ c }}<|assistant|>{{ c }}</s>"));
        assertEquals(Family.PLAIN, detect("<|user|>{{ c }}<|assistant|>"));
        assertEquals(Family.ZEPHYR, detect("<|user|>\n{{ c }}<|endoftext|>"));
        assertEquals(Family.GEMMA, detect("{{ '<start_of_turn>' + role + '\\n' }}"));
        assertEquals(Family.PLAIN, detect("USER: {{ c }} ASSISTANT: <|start_header_id|><|end_header_id|>"));
        assertEquals(Family.PLAIN, detect("{{ messages }}"));
        assertEquals(Family.PLAIN, detect(""));
        assertEquals(Family.PLAIN, ChatTemplate.detect(null).family());
    }

    @Test
    void acceptsLlamaCppTemplateNames() {
        for (Family f : Family.values()) {
            if (f != Family.PLAIN) {
                assertEquals(f, detect(f.llamaName), f.llamaName);
            }
        }
    }

    @Test
    void phi3VocabularyTemplateIsRecognised() throws IOException {
        try (GgufFile gguf = GgufFile.open(SharedData.require("vocab/ggml-vocab-phi-3.gguf"))) {
            assertEquals(Family.PHI_3, ChatTemplate.fromGguf(gguf).family());
        }
        try (GgufFile gguf = GgufFile.open(SharedData.require("models/stories260K.gguf"))) {
            assertEquals(Family.PLAIN, ChatTemplate.fromGguf(gguf).family());
        }
    }

    private static Family detect(String template) {
        return ChatTemplate.detect(template).family();
    }
}
