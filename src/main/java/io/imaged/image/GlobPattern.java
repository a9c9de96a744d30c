package io.imaged.image;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A glob with exactly the semantics of Go's {@code path.Match} (Go 1.19, what dockerd 20.10 is built with), which
 * dockerd's {@code reference} filter uses: {@code *} is any run of bytes but {@code /}, {@code ?} one character but
 * {@code /}, {@code [a-z]} / {@code [^a-z]} a class (which may match {@code /}), {@code \} escapes. A malformed
 * pattern is malformed whatever it is matched against ({@link #isValid()}); Go reports it as {@code
 * ErrBadPattern} ("syntax error in pattern").
 *
 * <p>About 330 lines because Go's matcher is ported whole (pieces, classes, escapes and their error cases).
 * Why not a regular expression: Go's algorithm is not a regex. It matches the pieces between stars one after
 * the other, each at its leftmost place, and never goes back to move an earlier piece; a backtracking regex both
 * answers differently ({@code h1glob/*[x/]c*} does not match {@code h1glob/xc/cd:1} in Go, the regex says it
 * does) and takes exponential time on patterns like {@code ********x}. Here each piece is found with a
 * bit-parallel (shift-and) scan, so one match costs O(name length × ⌈piece length / 64⌉): linear in the name,
 * whatever the pattern, and nothing is ever retried.
 *
 * <p>Longer than this project's other classes (~330 lines) on purpose: it is one algorithm, Go's, kept whole in one
 * place so it can be read against {@code path/match.go}; splitting the scanner from the class parser would only
 * spread that comparison over two files.
 */
public final class GlobPattern {
    /** Error text of Go's path.ErrBadPattern. */
    public static final String BAD_PATTERN = "syntax error in pattern";

    private final String source;
    private final List<Chunk> chunks;
    /** True when the pattern ends with a star that no piece follows (Go's "trailing * matches the rest"). */
    private final boolean trailingStar;
    private final boolean valid;
    /** The least number of bytes a name needs to match: every atom takes at least one. */
    private final int minBytes;

    private GlobPattern(String source, List<Chunk> chunks, boolean trailingStar, boolean valid) {
        this.source = source;
        this.chunks = chunks;
        this.trailingStar = trailingStar;
        this.valid = valid;
        int min = 0;
        for (Chunk c : chunks) min += c.atoms.length;
        this.minBytes = min;
    }

    /** Parses a pattern; a malformed one is returned too, with {@link #isValid()} false (it never matches). */
    public static GlobPattern compile(String pattern) {
        byte[] p = pattern.getBytes(StandardCharsets.UTF_8);
        List<Chunk> chunks = new ArrayList<>();
        boolean trailingStar = false;
        int i = 0;
        while (i < p.length) {
            boolean star = false;
            while (i < p.length && p[i] == '*') {
                i++;
                star = true;
            }
            int end = scanChunkEnd(p, i);
            if (star && end == i) {
                trailingStar = true;
                break;
            }
            Atom[] atoms = parseChunk(p, i, end);
            if (atoms == null) return new GlobPattern(pattern, List.of(), false, false);
            chunks.add(new Chunk(star, atoms));
            i = end;
        }
        return new GlobPattern(pattern, List.copyOf(chunks), trailingStar, true);
    }

    public boolean isValid() {
        return valid;
    }

    @Override
    public String toString() {
        return source;
    }

    /** Whether {@code name} matches, as {@code path.Match(pattern, name)}; false for a malformed pattern. */
    public boolean matches(String name) {
        if (!valid) return false;
        byte[] s = name.getBytes(StandardCharsets.UTF_8);
        if (s.length < minBytes) return false;
        boolean ascii = isAscii(s);
        int pos = 0;
        for (int k = 0; k < chunks.size(); k++) {
            Chunk c = chunks.get(k);
            boolean last = k == chunks.size() - 1 && !trailingStar;
            // a star may skip bytes up to (not past) the next '/': the piece may start anywhere up to that slash
            int lastStart = c.star ? indexOfSlash(s, pos) : pos;
            int end = ascii ? c.findAscii(s, pos, lastStart, last) : c.findBytes(s, pos, lastStart, last);
            if (end < 0) return false;
            pos = end;
        }
        if (trailingStar) return indexOfSlash(s, pos) == s.length;
        return pos == s.length;
    }

    private static int indexOfSlash(byte[] s, int from) {
        for (int i = from; i < s.length; i++) if (s[i] == '/') return i;
        return s.length;
    }

    private static boolean isAscii(byte[] s) {
        for (byte b : s) if (b < 0) return false;
        return true;
    }

    /** Go's scanChunk: a piece runs to the next star that is not inside a class; {@code \} skips a byte. */
    private static int scanChunkEnd(byte[] p, int from) {
        boolean inRange = false;
        int i = from;
        for (; i < p.length; i++) {
            switch (p[i]) {
                case '\\' -> {
                    if (i + 1 < p.length) i++;
                }
                case '[' -> inRange = true;
                case ']' -> inRange = false;
                case '*' -> {
                    if (!inRange) return i;
                }
                default -> {
                }
            }
        }
        return i;
    }

    /** Go's matchChunk, parsing only: the atoms of {@code p[from, to)}, or null when it is malformed. */
    private static Atom[] parseChunk(byte[] p, int from, int to) {
        List<Atom> atoms = new ArrayList<>();
        int i = from;
        while (i < to) {
            switch (p[i]) {
                case '[' -> {
                    i++;
                    boolean negated = false;
                    if (i < to && p[i] == '^') {
                        negated = true;
                        i++;
                    }
                    List<int[]> ranges = new ArrayList<>();
                    while (true) {
                        if (i < to && p[i] == ']' && !ranges.isEmpty()) {
                            i++;
                            break;
                        }
                        long lo = escaped(p, i, to);
                        if (lo < 0) return null;
                        i = (int) (lo >>> 32);
                        int hi = (int) lo;
                        if (p[i] == '-') {
                            long h = escaped(p, i + 1, to);
                            if (h < 0) return null;
                            i = (int) (h >>> 32);
                            hi = (int) h;
                        }
                        ranges.add(new int[] {(int) lo, hi});
                    }
                    atoms.add(new Atom(Atom.CLASS, 0, negated, ranges.toArray(int[][]::new)));
                }
                case '?' -> {
                    atoms.add(new Atom(Atom.ANY, 0, false, null));
                    i++;
                }
                case '\\' -> {
                    i++;
                    if (i >= to) return null;
                    atoms.add(new Atom(Atom.LITERAL, p[i] & 0xff, false, null));
                    i++;
                }
                default -> {
                    atoms.add(new Atom(Atom.LITERAL, p[i] & 0xff, false, null));
                    i++;
                }
            }
        }
        return atoms.toArray(Atom[]::new);
    }

    /**
     * Go's getEsc: one (possibly escaped) character of a class at {@code i}; returns (next index &lt;&lt; 32 | rune),
     * or -1 when malformed (nothing left, an unescaped {@code -} or {@code ]}, bad UTF-8, or nothing after it).
     */
    private static long escaped(byte[] p, int i, int to) {
        if (i >= to || p[i] == '-' || p[i] == ']') return -1;
        if (p[i] == '\\') {
            i++;
            if (i >= to) return -1;
        }
        long rn = decodeRune(p, i, to);
        int rune = (int) rn;
        int width = (int) (rn >>> 32);
        if (rune == 0xFFFD && width == 1) return -1;
        i += width;
        if (i >= to) return -1;
        return ((long) i << 32) | (rune & 0xffffffffL);
    }

    /** utf8.DecodeRune: (width &lt;&lt; 32 | rune), U+FFFD with width 1 for an invalid byte. */
    static long decodeRune(byte[] b, int i, int to) {
        int b0 = b[i] & 0xff;
        if (b0 < 0x80) return (1L << 32) | b0;
        int need;
        int r;
        int min;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            need = 1;
            r = b0 & 0x1F;
            min = 0x80;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            need = 2;
            r = b0 & 0x0F;
            min = 0x800;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            need = 3;
            r = b0 & 0x07;
            min = 0x10000;
        } else {
            return (1L << 32) | 0xFFFD;
        }
        if (i + need >= to) return (1L << 32) | 0xFFFD; // truncated sequence
        for (int k = 1; k <= need; k++) {
            int c = b[i + k] & 0xff;
            if ((c & 0xC0) != 0x80) return (1L << 32) | 0xFFFD;
            r = (r << 6) | (c & 0x3F);
        }
        if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return (1L << 32) | 0xFFFD;
        return ((long) (need + 1) << 32) | r;
    }

    /** One element of a piece: it always consumes one byte (literal) or one character ({@code ?}, class). */
    private record Atom(int kind, int literal, boolean negated, int[][] ranges) {
        static final int LITERAL = 0;
        static final int ANY = 1;
        static final int CLASS = 2;

        boolean accepts(int rune) {
            return switch (kind) {
                case LITERAL -> rune == literal;
                case ANY -> rune != '/';
                default -> {
                    boolean in = false;
                    for (int[] r : ranges) if (r[0] <= rune && rune <= r[1]) in = true;
                    yield in != negated;
                }
            };
        }
    }

    /** A piece: the atoms between two stars, and whether a star precedes it. */
    private static final class Chunk {
        final boolean star;
        final Atom[] atoms;
        /** Shift-and masks per ASCII byte: bit j of word w set when atom 64w+j accepts the byte. */
        final long[][] masks;
        final int words;

        Chunk(boolean star, Atom[] atoms) {
            this.star = star;
            this.atoms = atoms;
            this.words = Math.max(1, (atoms.length + 63) / 64);
            this.masks = new long[128][words];
            for (int c = 0; c < 128; c++) {
                for (int j = 0; j < atoms.length; j++) {
                    if (atoms[j].accepts(c)) masks[c][j >>> 6] |= 1L << (j & 63);
                }
            }
        }

        /**
         * The end of the leftmost match of this piece starting in {@code [from, lastStart]} (and ending at the end
         * of {@code s} when {@code mustEnd}), or -1. For an ASCII name every atom takes one byte, so matches of a
         * piece all have the same length and the first to end is the leftmost: one shift-and pass finds it.
         */
        int findAscii(byte[] s, int from, int lastStart, boolean mustEnd) {
            int len = atoms.length;
            if (mustEnd) {
                int start = s.length - len;
                return start >= from && start <= lastStart && matchesAt(s, start) ? s.length : -1;
            }
            if (len == 0) return from;
            long[] state = new long[words];
            int topWord = (len - 1) >>> 6;
            long topBit = 1L << ((len - 1) & 63);
            int limit = Math.min(s.length, lastStart + len);
            for (int i = from; i < limit; i++) {
                long carry = i <= lastStart ? 1L : 0L;
                long[] mask = masks[s[i]];
                for (int w = 0; w < words; w++) {
                    long next = state[w] >>> 63;
                    state[w] = ((state[w] << 1) | carry) & mask[w];
                    carry = next;
                }
                if ((state[topWord] & topBit) != 0) return i + 1;
            }
            return -1;
        }

        private boolean matchesAt(byte[] s, int start) {
            for (int j = 0; j < atoms.length; j++) if (!atoms[j].accepts(s[start + j])) return false;
            return true;
        }

        /** The same for a name with non-ASCII bytes, tried start by start as Go does (not reachable for references). */
        int findBytes(byte[] s, int from, int lastStart, boolean mustEnd) {
            for (int start = from; start <= lastStart; start++) {
                int end = matchBytesAt(s, start);
                if (end >= 0 && (!mustEnd || end == s.length)) return end;
            }
            return -1;
        }

        private int matchBytesAt(byte[] s, int i) {
            for (Atom a : atoms) {
                if (i >= s.length) return -1;
                if (a.kind == Atom.LITERAL) {
                    if ((s[i] & 0xff) != a.literal) return -1;
                    i++;
                } else {
                    long rn = decodeRune(s, i, s.length);
                    if (a.kind == Atom.ANY && s[i] == '/') return -1;
                    if (a.kind == Atom.CLASS && !a.accepts((int) rn)) return -1;
                    i += (int) (rn >>> 32);
                }
            }
            return i;
        }
    }
}
