package dev.smallmind.cli;

import dev.smallmind.tensor.DType;

import dev.smallmind.generate.LanguageModel;
import dev.smallmind.generate.Session;
import dev.smallmind.generate.SessionOptions;
import dev.smallmind.graph.Graph;
import dev.smallmind.graph.KvCache;
import dev.smallmind.graph.Plan;
import dev.smallmind.json.JsonWriter;
import dev.smallmind.model.ModelConfig;
import dev.smallmind.model.TransformerGraph;
import dev.smallmind.model.gguf.GgufFile;
import dev.smallmind.model.gguf.GgufTensorInfo;
import dev.smallmind.model.gguf.GgufValue;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code smallmind info}: metadata, tensor table and memory estimate of a GGUF file, read from its header alone;
 * with {@code --plan}, also the planned graphs (nodes, arena peak, intermediate bytes, reuse).
 */
final class InfoCommand {
    int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        Args a = new Args(argv, Set.of("--json", "--plan", ModelOptions.NO_WARMUP));
        ModelOptions mo = ModelOptions.read(a);
        boolean plan = a.flag("--plan");
        boolean json = a.flag("--json");
        a.finish();
        if (!Files.isRegularFile(mo.file())) {
            throw new UsageException("no such model file: " + mo.file());
        }
        JsonWriter w = JsonWriter.create().beginObject();
        try (GgufFile gguf = GgufFile.open(mo.file())) {
            header(gguf, mo.session().kvType(), out, w, json);
        }
        if (plan) {
            try (LanguageModel lm = LanguageModel.open(mo.file(), mo.threads());
                 Session s = lm.newSession(mo.session())) {
                ModelConfig c = lm.model().config();
                long kv = KvCache.bytes(c.layers(), s.contextLength(), c.kvHeads(), c.headDim(), mo.session().kvType());
                long arena = Math.max(s.decodePlan().plan().peakBytes(), s.prefillPlan().plan().peakBytes());
                if (!json) {
                    out.printf("%nmemory estimate: weights %s (mapped) + KV cache %s (ctx %d, %s) + step arena %s%n",
                            mib(lm.model().fileBytes()), mib(kv), s.contextLength(),
                            KvCache.storedType(c.headDim(), mo.session().kvType()), mib(arena));
                }
                w.name("memory").beginObject().field("weights_bytes", lm.model().fileBytes())
                        .field("kv_cache_bytes", kv).field("context", s.contextLength())
                        .field("arena_bytes", arena).endObject();
                w.name("plans").beginArray();
                printPlan("decode (1 token)", s.decodePlan(), s.decodePass().graph(), out, w, json);
                printPlan("prefill (batch " + mo.session().batchSize() + ")", s.prefillPlan(), null, out, w, json);
                w.endArray();
            }
        }
        if (json) {
            out.println(w.endObject());
        }
        return 0;
    }

    private static void header(GgufFile gguf, DType kvType, PrintStream out, JsonWriter w, boolean json) {
        w.field("file", gguf.path().toString()).field("version", gguf.version())
                .field("bytes", gguf.fileSize()).field("data_offset", gguf.dataOffset());
        w.name("metadata").beginObject();
        if (!json) {
            out.printf("%s: GGUF v%d, %s, %d metadata keys, %d tensors, data at byte %d%n", gguf.path(),
                    gguf.version(), mib(gguf.fileSize()), gguf.keys().size(), gguf.tensors().size(), gguf.dataOffset());
        }
        for (String key : gguf.keys()) {
            String v = describe(gguf.value(key));
            w.field(key, v);
            if (!json) {
                out.printf("  %-45s %s%n", key, v);
            }
        }
        w.endObject().name("tensors").beginArray();
        long total = 0;
        if (!json && !gguf.tensors().isEmpty()) {
            out.printf("%n  %-36s %-6s %-18s %12s%n", "tensor", "type", "shape", "bytes");
        }
        for (GgufTensorInfo t : gguf.tensors()) {
            total += t.byteSize();
            w.beginObject().field("name", t.name()).field("type", t.type().name())
                    .field("shape", t.shape().toString()).field("bytes", t.byteSize()).endObject();
            if (!json) {
                out.printf("  %-36s %-6s %-18s %12d%n", t.name(), t.type(), t.shape(), t.byteSize());
            }
        }
        w.endArray().field("tensor_bytes", total);
        if (!json) {
            out.printf("  total tensor data: %s%n", mib(total));
        }
        if (!gguf.tensors().isEmpty() && gguf.has("general.architecture")) {
            String arch = gguf.string("general.architecture");
            long layers = gguf.integer(arch + ".block_count", 0);
            long heads = gguf.integer(arch + ".attention.head_count", 0);
            long kvHeads = gguf.integer(arch + ".attention.head_count_kv", heads);
            long dim = gguf.integer(arch + ".embedding_length", 0);
            long ctx = Math.min(gguf.integer(arch + ".context_length", 2048), SessionOptions.DEFAULT_CONTEXT_CAP);
            if (heads > 0 && layers > 0) {
                int headDim = (int) (dim / heads);
                long kv = KvCache.bytes((int) layers, (int) ctx, (int) kvHeads, headDim, kvType);
                DType stored = KvCache.storedType(headDim, kvType);
                w.name("estimate").beginObject().field("weights_bytes", total).field("kv_cache_bytes", kv)
                        .field("kv_type", stored.name()).field("context", ctx).endObject();
                if (!json) {
                    out.printf("  estimate: weights %s mapped, KV cache %s at ctx %d (%s), plus the step arena"
                            + " (--plan)%n", mib(total), mib(kv), ctx, stored);
                }
            }
        }
    }

    private static void printPlan(String label, TransformerGraph tg, Graph graph, PrintStream out, JsonWriter w,
                                  boolean json) {
        Plan p = tg.plan();
        w.beginObject().field("graph", label).field("nodes", p.nodes()).field("buffers", p.buffers())
                .field("peak_bytes", p.peakBytes()).field("total_bytes", p.totalBytes())
                .field("reuse_ratio", p.reuseRatio()).endObject();
        if (json) {
            return;
        }
        out.printf("%ngraph %s: %d nodes, %d buffers, arena peak %s, sum of intermediates %s, reuse %.1f%%%n",
                label, p.nodes(), p.buffers(), mib(p.peakBytes()), mib(p.totalBytes()), 100 * p.reuseRatio());
        if (graph != null) {
            for (int i = 0; i < graph.size(); i++) {
                out.printf("  %4d %-12s %s%n", i, graph.node(i).kind(), graph.node(i).name());
            }
        }
    }

    private static String describe(GgufValue v) {
        if (v.isArray()) {
            return "[" + v.elementType() + " x " + v.length() + "]";
        }
        String s = v.toString();
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }

    private static String mib(long bytes) {
        return String.format("%.2f MiB", bytes / 1048576.0);
    }
}
