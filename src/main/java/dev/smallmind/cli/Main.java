package dev.smallmind.cli;

import dev.smallmind.generate.ContextFullException;
import dev.smallmind.kernels.VectorHardware;
import dev.smallmind.memory.ArenaCapacityException;
import dev.smallmind.model.ModelLoadException;
import dev.smallmind.model.gguf.GgufFormatException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.Set;

/**
 * Entry point of the {@code smallmind} command. User mistakes (bad options, missing or invalid files, prompts
 * that do not fit) print one line and exit with code 2; only genuine bugs print a stack trace.
 */
public final class Main {
    private static final String USAGE = """
            usage: smallmind <command> [options]   (every command accepts --json)
              generate   -m FILE -p TEXT [-n N] [--temp T] [--top-k K] [--top-p P] [--min-p P] [--seed S]
                         [--repeat-penalty R] [--frequency-penalty F] [--presence-penalty P] [--stop TEXT]
                         [--threads N] [--ctx N] [--kv-type f16|f32] [--format text|json] [--context-shift]
              score      -m FILE --ids 1,2,3 [--top K]
              perplexity -m FILE -f TEXTFILE [-c CTX] [-b BATCH]
              tokenize   -m FILE -p TEXT [--no-special]
              info       -m FILE [--plan]
              chat       -m FILE [--system TEXT] [-n N] [sampling options as for generate]
              serve      -m FILE [--host 127.0.0.1] [--port 8080] [--queue 8] [--api-key KEY] [--threads N] [--ctx N]
                         [--allow-origin ORIGIN,...|*]
                         (OpenAI-style HTTP API: /v1/completions, /v1/chat/completions, streaming)
              bench      [--quick] [--out DIR] [--compare OLD.json] [--model-extra FILE] [-t 1,2]  (performance report)
              bench      -m FILE [-p 128] [-n 64] [-t 1,2] [-r 3] [--warmup 2]   (llama-bench table;
                         each test first runs unmeasured for --warmup seconds and until its speed settles)
              synth      --preset small|medium|large --type f32|f16|bf16|q8_0|q4_0|q4_1|q5_0|q5_1|q4_k|q5_k|q6_k
                         -o FILE [--seed S] [--vocab VOCAB.gguf] [--embd-type same|TYPE]
                         [--arch llama|mistral|qwen2|phi3|gpt2] [--dim N] [--layers N] [--heads N] [--kv-heads N]
                         [--ffn N] [--ctx N] [--rope-theta F]   (a preset's shape, changed by these options)
            model commands (generate, score, perplexity, chat, serve) first compile their kernels in a short warm-up
            (1-4 s per matrix kernel, then throwaway generations, a few seconds); --no-warmup skips it
            """;

    private static final Set<String> RUNS_KERNELS = Set.of("generate", "score", "perplexity", "info", "chat", "serve",
            "bench");

    private Main() {
    }

    /**
     * @param args command and its options
     */
    public static void main(String[] args) {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        System.exit(run(args, out, System.err));
    }

    /**
     * Runs a command; the testable core of {@link #main}.
     *
     * @param args command and options
     * @param out  standard output
     * @param err  standard error
     * @return the exit code: 0 success, 2 user error, 1 internal error
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (RUNS_KERNELS.contains(args[0])) {
            VectorHardware.shortfall().ifPresent(m -> err.println("smallmind: warning: " + m));
        }
        try {
            return switch (args[0]) {
                case "generate" -> new GenerateCommand().run(rest, out, err);
                case "score" -> new ScoreCommand().run(rest, out, err);
                case "perplexity" -> new PerplexityCommand().run(rest, out, err);
                case "tokenize" -> new TokenizeCommand().run(rest, out, err);
                case "info" -> new InfoCommand().run(rest, out, err);
                case "chat" -> new ChatCommand().run(rest, out, err);
                case "serve" -> new ServeCommand().run(rest, out, err);
                case "bench" -> new BenchCommand().run(rest, out, err);
                case "synth" -> new SynthCommand().run(rest, out, err);
                default -> throw new UsageException("unknown command '" + args[0] + "' (try: smallmind --help)");
            };
        } catch (UsageException | ModelLoadException | GgufFormatException | ContextFullException
                 | ArenaCapacityException e) {
            err.println("smallmind: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("smallmind: " + e.getMessage());
            return 2;
        } catch (NoSuchFileException e) {
            err.println("smallmind: no such file: " + e.getMessage());
            return 2;
        } catch (AccessDeniedException e) {
            err.println("smallmind: cannot read " + e.getMessage() + ": permission denied");
            return 2;
        } catch (IOException e) {
            err.println("smallmind: " + e.getMessage());
            return 2;
        }
    }
}
