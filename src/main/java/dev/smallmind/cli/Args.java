package dev.smallmind.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options of one command: {@code -x VALUE}, {@code --name VALUE}, {@code --name=VALUE} and
 * {@code --flag}. A command reads what it knows, then {@link #finish()} rejects anything left over, so a typo is
 * an error rather than silently ignored.
 */
final class Args {
    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final Set<String> read = new HashSet<>();
    private final Set<String> flags;

    /**
     * @param argv  arguments after the command name
     * @param flags option names that take no value
     */
    Args(String[] argv, Set<String> flags) {
        this.flags = flags;
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("-") || a.equals("-")) {
                throw new UsageException("unexpected argument '" + a + "'");
            }
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else if (!flags.contains(a)) {
                if (i + 1 >= argv.length) {
                    throw new UsageException("option " + a + " needs a value");
                }
                value = argv[++i];
            }
            values.computeIfAbsent(name, k -> new ArrayList<>()).add(value == null ? "true" : value);
        }
    }

    boolean flag(String name) {
        read.add(name);
        return values.containsKey(name);
    }

    String string(String name, String alias, String fallback) {
        List<String> v = get(name, alias);
        return v == null ? fallback : v.get(v.size() - 1);
    }

    String required(String name, String alias, String what) {
        String v = string(name, alias, null);
        if (v == null) {
            throw new UsageException("missing " + name + (alias != null ? " (" + alias + ")" : "") + " " + what);
        }
        return v;
    }

    List<String> all(String name) {
        List<String> v = get(name, null);
        return v == null ? List.of() : v;
    }

    int integer(String name, String alias, int fallback) {
        String v = string(name, alias, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("option " + name + " expects an integer, got '" + v + "'");
        }
    }

    long longValue(String name, long fallback) {
        String v = string(name, null, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("option " + name + " expects an integer, got '" + v + "'");
        }
    }

    float number(String name, String alias, float fallback) {
        String v = string(name, alias, null);
        if (v == null) {
            return fallback;
        }
        try {
            float f = Float.parseFloat(v.trim());
            if (!Float.isFinite(f)) {
                throw new NumberFormatException();
            }
            return f;
        } catch (NumberFormatException e) {
            throw new UsageException("option " + name + " expects a number, got '" + v + "'");
        }
    }

    void finish() {
        for (String k : values.keySet()) {
            if (!read.contains(k)) {
                throw new UsageException("unknown option " + k);
            }
        }
    }

    private List<String> get(String name, String alias) {
        read.add(name);
        if (alias != null) {
            read.add(alias);
            List<String> a = values.get(alias);
            if (a != null) {
                return a;
            }
        }
        return values.get(name);
    }

    /** @return the set of flag names, for commands that share them */
    Set<String> flags() {
        return flags;
    }
}
