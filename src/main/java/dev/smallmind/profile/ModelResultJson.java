package dev.smallmind.profile;

import dev.smallmind.graph.Plan;
import dev.smallmind.json.Json;
import dev.smallmind.json.JsonWriter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link InferenceBench.ModelResult} as one line of JSON and back: how a model measured in a JVM of its own
 * ({@link IsolatedInference}) hands its figures to the report's JVM. Every number survives the trip exactly (doubles
 * are written in their shortest round-trip form; negative zero arrives as zero); NaN travels as null.
 */
final class ModelResultJson {
    private ModelResultJson() {
    }

    static String write(InferenceBench.ModelResult r) {
        JsonWriter w = JsonWriter.create().beginObject();
        w.field("name", r.name()).field("shape", r.shape());
        InferenceBench.Workload wl = r.workload();
        w.name("workload").beginObject().field("prompt", wl.promptTokens()).field("generate", wl.generateTokens())
                .field("repetitions", wl.repetitions()).field("profile_steps", wl.profileSteps())
                .field("warmup_seconds", wl.warmupSeconds()).endObject();
        w.field("file_bytes", r.fileBytes());
        w.name("runs").beginArray();
        for (InferenceBench.Run run : r.runs()) {
            w.beginObject().field("threads", run.threads());
            stats(w, "prefill", run.prefill());
            stats(w, "decode", run.decode());
            stats(w, "first_token_ms", run.firstTokenMillis());
            stats(w, "token_ms_p50", run.tokenMillisP50());
            stats(w, "token_ms_p99", run.tokenMillisP99());
            w.field("gc_collections", run.gcCollections()).field("heap_bytes_per_token", run.heapBytesPerToken())
                    .endObject();
        }
        w.endArray();
        plan(w, "decode_plan", r.decodePlan());
        plan(w, "prefill_plan", r.prefillPlan());
        w.field("kv_bytes_per_token", r.kvBytesPerToken()).field("rss_before", r.rssBefore())
                .field("rss_loaded", r.rssLoaded()).field("rss_after_run", r.rssAfterRun());
        w.name("profile");
        OpProfile p = r.profile();
        if (p == null) {
            w.value((String) null);
        } else {
            w.beginObject().field("steps", p.steps()).field("total_nanos", p.totalNanos());
            entries(w, "by_kind", p.byKind());
            entries(w, "by_name", p.byName());
            w.endObject();
        }
        return w.endObject().toString();
    }

    /**
     * @throws IllegalArgumentException when {@code json} is not what {@link #write} writes
     */
    static InferenceBench.ModelResult read(String json) {
        Map<?, ?> o = object(Json.parse(json), "model result");
        Map<?, ?> wl = object(o.get("workload"), "workload");
        InferenceBench.Workload workload = new InferenceBench.Workload(integer(wl, "prompt"), integer(wl, "generate"),
                integer(wl, "repetitions"), integer(wl, "profile_steps"), number(wl, "warmup_seconds"));
        List<InferenceBench.Run> runs = new ArrayList<>();
        for (Object item : list(o.get("runs"), "runs")) {
            Map<?, ?> run = object(item, "run");
            runs.add(new InferenceBench.Run(integer(run, "threads"), stats(run, "prefill"), stats(run, "decode"),
                    stats(run, "first_token_ms"), stats(run, "token_ms_p50"), stats(run, "token_ms_p99"),
                    whole(run, "gc_collections"), number(run, "heap_bytes_per_token")));
        }
        OpProfile profile = null;
        if (o.get("profile") != null) {
            Map<?, ?> p = object(o.get("profile"), "profile");
            profile = new OpProfile(whole(p, "steps"), whole(p, "total_nanos"), entries(p, "by_kind"),
                    entries(p, "by_name"));
        }
        return new InferenceBench.ModelResult(text(o, "name"), text(o, "shape"), workload, whole(o, "file_bytes"),
                runs, plan(o, "decode_plan"), plan(o, "prefill_plan"), whole(o, "kv_bytes_per_token"),
                whole(o, "rss_before"), whole(o, "rss_loaded"), whole(o, "rss_after_run"), profile);
    }

    private static void stats(JsonWriter w, String name, Stats s) {
        w.name(name).beginObject().field("count", s.count()).field("median", s.median()).field("mean", s.mean())
                .field("stddev", s.stddev()).field("min", s.min()).field("max", s.max()).endObject();
    }

    private static Stats stats(Map<?, ?> o, String name) {
        Map<?, ?> s = object(o.get(name), name);
        return new Stats(integer(s, "count"), number(s, "median"), number(s, "mean"), number(s, "stddev"),
                number(s, "min"), number(s, "max"));
    }

    private static void plan(JsonWriter w, String name, Plan p) {
        w.name(name);
        if (p == null) {
            w.value((String) null);
        } else {
            w.beginObject().field("nodes", p.nodes()).field("buffers", p.buffers()).field("peak_bytes", p.peakBytes())
                    .field("total_bytes", p.totalBytes()).endObject();
        }
    }

    private static Plan plan(Map<?, ?> o, String name) {
        if (o.get(name) == null) {
            return null;
        }
        Map<?, ?> p = object(o.get(name), name);
        return new Plan(integer(p, "nodes"), integer(p, "buffers"), whole(p, "peak_bytes"), whole(p, "total_bytes"));
    }

    private static void entries(JsonWriter w, String name, List<OpProfile.Entry> entries) {
        w.name(name).beginArray();
        for (OpProfile.Entry e : entries) {
            w.beginObject().field("name", e.name()).field("micros_per_step", e.microsPerStep())
                    .field("share", e.share()).endObject();
        }
        w.endArray();
    }

    private static List<OpProfile.Entry> entries(Map<?, ?> o, String name) {
        List<OpProfile.Entry> entries = new ArrayList<>();
        for (Object item : list(o.get(name), name)) {
            Map<?, ?> e = object(item, name + " entry");
            entries.add(new OpProfile.Entry(text(e, "name"), number(e, "micros_per_step"), number(e, "share")));
        }
        return entries;
    }

    private static Map<?, ?> object(Object v, String what) {
        if (v instanceof Map<?, ?> m) {
            return m;
        }
        throw new IllegalArgumentException(what + ": expected an object, got " + v);
    }

    private static List<?> list(Object v, String what) {
        if (v instanceof List<?> l) {
            return l;
        }
        throw new IllegalArgumentException(what + ": expected an array, got " + v);
    }

    private static String text(Map<?, ?> o, String key) {
        if (o.get(key) instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(key + ": expected a string, got " + o.get(key));
    }

    private static double number(Map<?, ?> o, String key) {
        Object v = o.get(key);
        if (v == null && o.containsKey(key)) {
            return Double.NaN;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException(key + ": expected a number, got " + v);
    }

    private static long whole(Map<?, ?> o, String key) {
        if (o.get(key) instanceof Long l) {
            return l;
        }
        throw new IllegalArgumentException(key + ": expected an integer, got " + o.get(key));
    }

    private static int integer(Map<?, ?> o, String key) {
        return Math.toIntExact(whole(o, key));
    }
}
