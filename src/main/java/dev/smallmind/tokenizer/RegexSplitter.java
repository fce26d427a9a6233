package dev.smallmind.tokenizer;

import org.agrona.collections.IntArrayList;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pre-tokenizer pattern run the way llama.cpp's {@code unicode_regex_split} runs the patterns it has no
 * hand-written matcher for (with {@code std::regex}, ECMAScript flavour). Every match and every gap between matches
 * becomes a segment. Two modes, chosen per pattern as llama.cpp does:
 * <ul>
 * <li>patterns using {@code \p{..}} classes run on a <em>collapsed</em> text in which every non-ASCII code point is
 * replaced by one marker character for its class (whitespace, number, letter, punctuation, mark, symbol, other), and
 * each {@code \p{X}} in the pattern by the marker plus the ASCII members of X; this makes, for example, a
 * non-ASCII symbol invisible to {@code \p{P}} exactly as in llama.cpp;</li>
 * <li>other patterns run on the code points themselves, with non-ASCII whitespace replaced by U+000B so that
 * {@code \s} (ASCII-only in both engines) sees it.</li>
 * </ul>
 * Translation to {@link Pattern}: {@code $} outside a class becomes {@code \z} (ECMAScript's {@code $} does not
 * match before a final line terminator). Matching stays inside each segment (opaque, anchoring region bounds, like
 * the C++ iterator over the segment). Patterns that can match the empty string are not used by the supported
 * pre-tokenizers; such matches would be dropped here.
 */
final class RegexSplitter implements SplitStage {
    private static final char MARK_OTHER = '\u00D0';
    private static final char MARK_NUMBER = '\u00D1';
    private static final char MARK_LETTER = '\u00D2';
    private static final char MARK_PUNCTUATION = '\u00D3';
    private static final char MARK_ACCENT = '\u00D4';
    private static final char MARK_SYMBOL = '\u00D5';

    private final Pattern pattern;
    private final boolean collapsed;

    /** @param llamaPattern a pattern as written in llama.cpp's pre-tokenizer table */
    RegexSplitter(String llamaPattern) {
        this.collapsed = usesCategories(llamaPattern);
        this.pattern = Pattern.compile(toJava(collapsed ? collapse(llamaPattern) : llamaPattern));
    }

    @Override
    public IntArrayList split(int[] cps, IntArrayList segments) {
        int n = cps.length;
        StringBuilder text = new StringBuilder(n + 16);
        int[] charToCp = new int[2 * n + 1];
        for (int i = 0; i < n; i++) {
            charToCp[text.length()] = i;
            int cp = cps[i];
            if (collapsed) {
                text.append(collapsedChar(cp));
            } else if (cp > 0x7F && CodepointFlags.isWhitespace(cp)) {
                text.append('\u000B');
            } else {
                text.appendCodePoint(cp);
            }
        }
        charToCp[text.length()] = n;
        int[] cpToChar = new int[n + 1];
        for (int i = 0, c = 0; i <= n; i++) {
            cpToChar[i] = c;
            if (i < n) {
                c += collapsed ? 1 : Character.charCount(cps[i]);
            }
        }
        IntArrayList out = new IntArrayList(segments.size() * 4, Integer.MIN_VALUE);
        Matcher m = pattern.matcher(text);
        int start = 0;
        for (int s = 0, ns = segments.size(); s < ns; s++) {
            int end = start + segments.getInt(s);
            m.region(cpToChar[start], cpToChar[end]);
            int done = start;
            while (m.find()) {
                int ms = charToCp[m.start()];
                int me = charToCp[m.end()];
                if (me == ms) {
                    continue;
                }
                if (ms > done) {
                    out.addInt(ms - done);
                }
                out.addInt(me - ms);
                done = me;
            }
            if (done < end) {
                out.addInt(end - done);
            }
            start = end;
        }
        return out;
    }

    private static char collapsedChar(int cp) {
        if (cp < 128) {
            return (char) cp;
        }
        int flags = CodepointFlags.of(cp);
        if ((flags & CodepointFlags.WHITESPACE) != 0) {
            return '\u000B';
        }
        return switch (flags & CodepointFlags.CATEGORY_MASK) {
            case CodepointFlags.NUMBER -> MARK_NUMBER;
            case CodepointFlags.LETTER -> MARK_LETTER;
            case CodepointFlags.PUNCTUATION -> MARK_PUNCTUATION;
            case CodepointFlags.ACCENT_MARK -> MARK_ACCENT;
            case CodepointFlags.SYMBOL -> MARK_SYMBOL;
            default -> MARK_OTHER;
        };
    }

    private static final String[] CATEGORY_NAMES = {"\\p{N}", "\\p{L}", "\\p{P}", "\\p{M}", "\\p{S}",
            "\\p{Lu}", "\\p{Ll}", "\\p{Lt}", "\\p{Lm}", "\\p{Lo}"};

    private static boolean usesCategories(String pattern) {
        for (String name : CATEGORY_NAMES) {
            if (pattern.contains(name)) {
                return true;
            }
        }
        return false;
    }

    /** @return the marker plus the ASCII members standing for a {@code \p{..}} class, or null when unknown */
    private static String collapsedClass(String name) {
        return switch (name) {
            case "\\p{N}" -> MARK_NUMBER + "0-9";
            case "\\p{L}", "\\p{Lu}", "\\p{Ll}", "\\p{Lt}", "\\p{Lm}", "\\p{Lo}" -> MARK_LETTER + "A-Za-z";
            case "\\p{P}" -> MARK_PUNCTUATION + "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}";
            case "\\p{M}" -> String.valueOf(MARK_ACCENT);
            case "\\p{S}" -> MARK_SYMBOL + "\\$\\+<->^`\\|";
            default -> null;
        };
    }

    /** Rewrites {@code \p{X}} the way llama.cpp does, wrapping in brackets unless already inside a class. */
    static String collapse(String pattern) {
        StringBuilder out = new StringBuilder(pattern.length() * 2);
        boolean inside = false;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '[' && (i == 0 || pattern.charAt(i - 1) != '\\')) {
                out.append('[');
                inside = true;
                continue;
            }
            if (inside && c == ']' && pattern.charAt(i - 1) != '\\') {
                out.append(']');
                inside = false;
                continue;
            }
            if (c == '\\' && i + 3 < pattern.length() && pattern.charAt(i + 1) == 'p' && pattern.charAt(i + 2) == '{') {
                int close = pattern.indexOf('}', i + 3);
                if (close >= 0 && close <= i + 10) {
                    String members = collapsedClass(pattern.substring(i, close + 1));
                    if (members != null) {
                        out.append(inside ? "" : "[").append(members).append(inside ? "" : "]");
                        i = close;
                        continue;
                    }
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    /** Turns an ECMAScript end anchor outside classes into Java's end-of-input. */
    static String toJava(String pattern) {
        StringBuilder out = new StringBuilder(pattern.length() + 8);
        boolean inside = false;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\' && i + 1 < pattern.length()) {
                out.append(c).append(pattern.charAt(++i));
                continue;
            }
            if (c == '[') {
                inside = true;
            } else if (c == ']') {
                inside = false;
            } else if (c == '$' && !inside) {
                out.append("\\z");
                continue;
            }
            out.append(c);
        }
        return out.toString();
    }
}
