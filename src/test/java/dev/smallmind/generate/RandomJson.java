package dev.smallmind.generate;

import java.util.SplittableRandom;

/**
 * Random JSON objects for the recognizer's and the constraint's tests: nested objects and arrays, every kind of
 * number, strings with escapes and characters of one to four UTF-8 bytes, a little whitespace; all within the
 * recognizer's bounds.
 */
final class RandomJson {
    private RandomJson() {
    }

    /** @return a random object */
    static String object(SplittableRandom random) {
        StringBuilder sb = new StringBuilder();
        object(sb, random, 0);
        return sb.toString();
    }

    private static void space(StringBuilder sb, SplittableRandom random) {
        int n = random.nextInt(6) == 0 ? random.nextInt(3) : 0;
        for (int i = 0; i < n; i++) {
            sb.append(" \t\n\r".charAt(random.nextInt(4)));
        }
    }

    private static void object(StringBuilder sb, SplittableRandom random, int depth) {
        space(sb, random);
        sb.append('{');
        int n = random.nextInt(depth < 4 ? 4 : 2);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
            }
            space(sb, random);
            string(sb, random);
            space(sb, random);
            sb.append(':');
            value(sb, random, depth + 1);
        }
        space(sb, random);
        sb.append('}');
    }

    private static void value(StringBuilder sb, SplittableRandom random, int depth) {
        space(sb, random);
        switch (random.nextInt(depth < 5 ? 8 : 6)) {
            case 0 -> string(sb, random);
            case 1 -> number(sb, random);
            case 2 -> sb.append("true");
            case 3 -> sb.append("false");
            case 4 -> sb.append("null");
            case 5 -> number(sb, random);
            case 6 -> object(sb, random, depth);
            default -> {
                sb.append('[');
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    value(sb, random, depth + 1);
                }
                space(sb, random);
                sb.append(']');
            }
        }
        space(sb, random);
    }

    private static void number(StringBuilder sb, SplittableRandom random) {
        if (random.nextBoolean()) {
            sb.append('-');
        }
        sb.append(random.nextInt(4) == 0 ? "0" : Long.toString(random.nextLong(1, 10_000_000_000L)));
        if (random.nextBoolean()) {
            sb.append('.').append(random.nextInt(1000));
        }
        if (random.nextInt(3) == 0) {
            sb.append("eE".charAt(random.nextInt(2))).append(random.nextBoolean() ? "+" : random.nextBoolean() ? "-" : "")
                    .append(random.nextInt(100));
        }
    }

    private static void string(StringBuilder sb, SplittableRandom random) {
        sb.append('"');
        int n = random.nextInt(6);
        for (int i = 0; i < n; i++) {
            switch (random.nextInt(6)) {
                case 0 -> sb.append("\\\"\\\\\\/\\b\\f\\n\\r\\t".substring(2 * random.nextInt(8)).substring(0, 2));
                case 1 -> sb.append(String.format("\\u%04x", random.nextInt(0x10000)));
                case 2 -> sb.append((char) random.nextInt(0x80, 0x800));
                case 3 -> sb.append((char) random.nextInt(0x800, 0xD800));
                case 4 -> sb.appendCodePoint(random.nextInt(0x10000, 0x110000));
                default -> {
                    char c = (char) random.nextInt(0x20, 0x80);
                    sb.append(c == '"' || c == '\\' ? 'q' : c);
                }
            }
        }
        sb.append('"');
    }
}
