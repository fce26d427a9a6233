package dev.smallmind.cli;

import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.LogProbs;
import dev.smallmind.generate.Session;
import dev.smallmind.json.JsonWriter;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Set;

/**
 * {@code smallmind score}: teacher-forced evaluation of given token ids; for every position the top-K
 * {@code (id, logprob)} of the next token (log-softmax of the raw logits).
 */
final class ScoreCommand {
    int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        Args a = new Args(argv, Set.of("--json", ModelOptions.NO_WARMUP));
        ModelOptions mo = ModelOptions.read(a);
        int[] ids = parseIds(a.required("--ids", null, "1,2,3 (token ids)"));
        int k = a.integer("--top", null, 5);
        if (k < 1) {
            throw new UsageException("--top must be >= 1, got " + k);
        }
        boolean json = a.flag("--json");
        a.finish();
        try (LanguageModel lm = mo.open(err); Session session = lm.newSession(mo.session())) {
            int vocab = session.vocabSize();
            for (int id : ids) {
                if (id < 0 || id >= vocab) {
                    throw new UsageException("token id " + id + " is outside the vocabulary [0, " + vocab + ")");
                }
            }
            int[][] topIds = new int[ids.length][];
            double[][] topLp = new double[ids.length][];
            session.score(ids, (index, logits, offset) -> {
                LogProbs lp = new LogProbs(logits, offset, vocab);
                topIds[index] = lp.top(k);
                topLp[index] = new double[topIds[index].length];
                for (int j = 0; j < topIds[index].length; j++) {
                    topLp[index][j] = lp.of(topIds[index][j]);
                }
            });
            if (json) {
                JsonWriter w = JsonWriter.create().beginObject().name("ids").beginArray();
                for (int id : ids) {
                    w.value(id);
                }
                w.endArray().name("top").beginArray();
                for (int i = 0; i < ids.length; i++) {
                    w.beginArray();
                    for (int j = 0; j < topIds[i].length; j++) {
                        w.beginArray().value(topIds[i][j]).value(topLp[i][j]).endArray();
                    }
                    w.endArray();
                }
                out.println(w.endArray().endObject());
            } else {
                for (int i = 0; i < ids.length; i++) {
                    StringBuilder line = new StringBuilder();
                    line.append(i).append(" after ").append(ids[i]).append(':');
                    for (int j = 0; j < topIds[i].length; j++) {
                        line.append(String.format(" %d(%s)=%.5f", topIds[i][j],
                                lm.tokenizer().piece(topIds[i][j]), topLp[i][j]));
                    }
                    out.println(line);
                }
            }
        }
        return 0;
    }

    private static int[] parseIds(String s) {
        String[] parts = s.split(",");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UsageException("--ids expects comma-separated integers, got '" + parts[i] + "'");
            }
        }
        if (ids.length == 0) {
            throw new UsageException("--ids needs at least one id");
        }
        return ids;
    }
}
