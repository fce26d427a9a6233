package dev.smallmind.profile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The compact summary printed after a report run: the headline figures of each section with ASCII bars scaled
 * within each block (so bars compare figures of one kind, never GFLOPS with GB/s).
 */
public final class TerminalSummary {
    private static final int BAR = 28;

    /**
     * One block of the summary: the figures whose id matches {@code pattern}; when the pattern has a group, only
     * those whose group has the largest size (so the summary shows the largest matrix, array or thread count);
     * when {@code perModel} is positive, only the first that many of each model (ids {@code kind.model.*}).
     */
    private record Block(String title, Pattern pattern, int perModel) {
        Block(String title, Pattern pattern) {
            this(title, pattern, 0);
        }
    }

    private static final List<Block> BLOCKS = List.of(
            new Block("FMA peak", Pattern.compile("limits\\.fma\\.t\\d+")),
            new Block("memory bandwidth", Pattern.compile("limits\\.triad\\.(\\d+[KM]?)\\.t\\d+")),
            new Block("GEMM", Pattern.compile("gemm\\.f32\\.(\\d+)\\.t\\d+")),
            new Block("matvec", Pattern.compile("matvec\\.[a-z0-9_]+\\.t(\\d+)")),
            new Block("element-wise", Pattern.compile("ew\\.[a-z]+\\.(\\d+[KM]?)")),
            new Block("decode", Pattern.compile("infer\\..+\\.decode")),
            new Block("prefill", Pattern.compile("infer\\..+\\.prefill")),
            new Block("time to first token", Pattern.compile("infer\\..+\\.ttft")),
            new Block("GC during decode", Pattern.compile("mem\\..+\\.gc_collections")),
            new Block("heap per decoded token", Pattern.compile("mem\\..+\\.heap_per_token")),
            new Block("step arena reuse", Pattern.compile("mem\\..+\\.reuse")),
            new Block("decode time by op kind (top 3)", Pattern.compile("hot\\..+\\.kind\\.[a-z_]+\\.share"), 3));

    private TerminalSummary() {
    }

    /**
     * @param report a finished report
     * @return the summary text, one figure per line
     */
    public static String render(Report report) {
        StringBuilder b = new StringBuilder();
        b.append("SmallMind bench (").append(report.mode()).append(String.format(Locale.ROOT, ", %.0f s): ",
                report.seconds())).append(report.machine().oneLine()).append('\n');
        if (report.machine().loadWarning() != null) {
            b.append("warning: ").append(report.machine().loadWarning()).append('\n');
        }
        List<Figure> all = new ArrayList<>(report.figures().values());
        int width = 12;
        for (Figure f : all) {
            width = Math.max(width, f.label().length());
        }
        width = Math.min(width, 60);
        for (Block block : BLOCKS) {
            List<Figure> shown = firstPerModel(select(all, block.pattern()), block.perModel());
            if (shown.isEmpty()) {
                continue;
            }
            double max = 0;
            for (Figure f : shown) {
                max = Math.max(max, f.value());
            }
            b.append(block.title()).append('\n');
            for (Figure f : shown) {
                int n = max > 0 ? (int) Math.round(BAR * f.value() / max) : 0;
                String label = f.label().length() > width ? f.label().substring(0, width) : f.label();
                b.append(String.format(Locale.ROOT, "  %-" + width + "s %16s  %s%n", label,
                        Units.format(f.value(), f.unit()), "#".repeat(n)));
            }
        }
        for (Section s : report.sections()) {
            for (String note : s.notes()) {
                b.append("note: ").append(note).append('\n');
            }
        }
        return b.toString();
    }

    /** @return the figures matching {@code p}, restricted to the largest group value when {@code p} has a group */
    static List<Figure> select(List<Figure> figures, Pattern p) {
        List<Figure> matching = new ArrayList<>();
        double largest = -1;
        for (Figure f : figures) {
            Matcher m = p.matcher(f.id());
            if (m.matches()) {
                matching.add(f);
                if (m.groupCount() > 0) {
                    largest = Math.max(largest, size(m.group(1)));
                }
            }
        }
        if (largest < 0) {
            return matching;
        }
        List<Figure> kept = new ArrayList<>();
        for (Figure f : matching) {
            Matcher m = p.matcher(f.id());
            if (m.matches() && size(m.group(1)) == largest) {
                kept.add(f);
            }
        }
        return kept;
    }

    /** @return the first {@code limit} figures of each model, in order (all of them when limit is 0) */
    static List<Figure> firstPerModel(List<Figure> figures, int limit) {
        if (limit <= 0) {
            return figures;
        }
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        List<Figure> kept = new ArrayList<>();
        for (Figure f : figures) {
            String[] parts = f.id().split("\\.", 3);
            String model = parts.length > 1 ? parts[1] : "";
            if (seen.merge(model, 1, Integer::sum) <= limit) {
                kept.add(f);
            }
        }
        return kept;
    }

    /** @return a size token such as 512, 64K or 16M as a number */
    static double size(String token) {
        char last = token.charAt(token.length() - 1);
        double scale = last == 'K' ? 1 << 10 : last == 'M' ? 1 << 20 : 1;
        String digits = scale == 1 ? token : token.substring(0, token.length() - 1);
        return Double.parseDouble(digits) * scale;
    }
}
