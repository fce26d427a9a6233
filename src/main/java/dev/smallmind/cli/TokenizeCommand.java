package dev.smallmind.cli;

import dev.smallmind.json.JsonWriter;
import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code smallmind tokenize}: token ids and pieces of a text. Works on vocabulary-only GGUF files too (it needs
 * only the tokenizer metadata). {@code --no-special} treats special-token text as plain text.
 */
final class TokenizeCommand {
    int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        Args a = new Args(argv, Set.of("--json", "--no-special", "--no-bos"));
        Path file = Path.of(a.required("--model", "-m", "FILE (a GGUF model or vocabulary)"));
        String text = a.required("--prompt", "-p", "TEXT");
        boolean parseSpecial = !a.flag("--no-special");
        boolean addSpecial = !a.flag("--no-bos");
        boolean json = a.flag("--json");
        a.finish();
        if (!Files.isRegularFile(file)) {
            throw new UsageException("no such model file: " + file);
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            Tokenizer tokenizer = Tokenizer.fromGguf(gguf);
            int[] ids = tokenizer.encode(text, addSpecial, parseSpecial);
            if (json) {
                JsonWriter w = JsonWriter.create().beginObject().name("ids").beginArray();
                for (int id : ids) {
                    w.value(id);
                }
                w.endArray().name("pieces").beginArray();
                for (int id : ids) {
                    w.value(tokenizer.piece(id));
                }
                out.println(w.endArray().endObject());
            } else {
                for (int id : ids) {
                    out.printf("%6d -> '%s'%n", id, tokenizer.piece(id));
                }
            }
        }
        return 0;
    }
}
