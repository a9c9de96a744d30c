package io.imaged.image;

import io.imaged.reference.ImageReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class GlobPatternTest {
    /**
     * The names the table is written against: the familiar strings and names dockerd 20.10.24 (go1.19.8) matched
     * when it held h1glob:latest, h1glob/a:1, h1glob/ab:latest, h1glob/sub/b:2, h1glob/xc/cd:1,
     * h1glob/x-y_z.w:v1.0 and localhost:5000/h1glob/c:3 and was asked {@code GET /v1.41/images/json} with
     * {@code filters={"reference":{"<pattern>":true}}}.
     */
    private static final List<String> REFS = List.of("h1glob:latest", "h1glob/a:1", "h1glob/ab:latest", "h1glob/sub/b:2",
            "h1glob/xc/cd:1", "h1glob/x-y_z.w:v1.0", "localhost:5000/h1glob/c:3");

    /** Which of {@link #REFS} dockerd listed (FamiliarMatch: the familiar string, else the familiar name). */
    private static String listed(String pattern) {
        GlobPattern g = GlobPattern.compile(pattern);
        if (!g.isValid()) return "ERROR";
        List<String> out = new ArrayList<>();
        for (String r : REFS) {
            ImageReference ref = ImageReference.parse(r);
            if (g.matches(ref.familiarString()) || g.matches(ref.familiarName())) out.add(r);
        }
        return String.join(" ", out);
    }

    /** Every row was checked against the reference dockerd 20.10.24; ERROR is its 500 "syntax error in pattern". */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "NONE", value = {
            "h1glob|h1glob:latest",
            "h1glob*|h1glob:latest",
            "h1glob/*|h1glob/a:1 h1glob/ab:latest h1glob/x-y_z.w:v1.0",
            "h1glob/*/*|h1glob/sub/b:2 h1glob/xc/cd:1",
            "*/a|h1glob/a:1",
            "h1glob/?|h1glob/a:1",
            "h1glob/??|h1glob/ab:latest",
            "h1glob/[ab]|h1glob/a:1",
            "h1glob/[^a]|",
            // '!' is not a negation in Go: the class holds '!' and 'a'
            "h1glob/[!a]|h1glob/a:1",
            "h1glob/[a-c]*|h1glob/a:1 h1glob/ab:latest",
            "h1glob/\\a|h1glob/a:1",
            "h1glob/a:*|h1glob/a:1",
            "h1glob/a:?|h1glob/a:1",
            "localhost:5000/*/*|localhost:5000/h1glob/c:3",
            "*:1|",
            "**|h1glob:latest",
            "h1glob/[]a]|ERROR",
            "h1glob/[a-]|ERROR",
            "h1glob/[\\]]|",
            "h1glob/[\\a]|h1glob/a:1",
            "[x|ERROR",
            "h1glob/[|ERROR",
            "h1glob\\|ERROR",
            // malformed after a part that cannot match: still an error (Go checks the rest of the pattern)
            "zzz[|ERROR",
            "zzz*[|ERROR",
            "h1glob/*\\|ERROR",
            "h1glob/x*/*d|h1glob/xc/cd:1",
            "h1glob/xc[/]cd|h1glob/xc/cd:1",
            "h1glob/xc?cd|",
            "h1glob/a*|h1glob/a:1 h1glob/ab:latest",
            "h1glob*1|",
            "*|h1glob:latest",
            "********x|",
            "********1|",
            "h1glob/[a-b-c]|ERROR",
            "h1glob/[-a]|ERROR",
            "h1glob/[^]|ERROR",
            "h1glob/[]|ERROR",
            "h1glob/é|",
            "h1glob/[é]|",
            "h1glob/a\\|ERROR",
            // Go places each piece at its leftmost match and never moves it back: a regex would match these
            "h1glob/*[x/]c*d|",
            "h1glob/*[x/]c*|",
            "h1glob/x*[/]c*|h1glob/xc/cd:1",
            "h1glob/[a-c|ERROR",
            "h1glob/[a-]]|ERROR",
            "h1glob/[\\-a]|h1glob/a:1",
            "h1glob/[a\\-c]|h1glob/a:1",
            "\\h1glob|h1glob:latest",
            "h1glob/*/*:?|h1glob/sub/b:2 h1glob/xc/cd:1",
            "h1glob/**/*|h1glob/sub/b:2 h1glob/xc/cd:1",
            "?1glob|h1glob:latest",
            "h1glob/[--a]|ERROR",
            "h1glob/[^^]|h1glob/a:1",
            "h1glob/[^a]b|",
            "h1glob/[^/]*|h1glob/a:1 h1glob/ab:latest h1glob/x-y_z.w:v1.0",
            "*/*/*|h1glob/sub/b:2 h1glob/xc/cd:1 localhost:5000/h1glob/c:3",
            "h1glob/ab:lat*|h1glob/ab:latest",
            "h1glob/ab:*t|h1glob/ab:latest",
    })
    void matchesAsDockerdDid(String pattern, String expected) {
        assertThat(listed(pattern)).isEqualTo(expected == null ? "" : expected);
    }

    /** Cases from Go's own path/match_test.go (the table path.Match is tested with). */
    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource(delimiter = '|', value = {
            "abc|abc|true", "*|abc|true", "*c|abc|true", "a*|a|true", "a*|abc|true", "a*|ab/c|false",
            "a*/b|abc/b|true", "a*/b|a/c/b|false", "a*b*c*d*e*/f|axbxcxdxe/f|true", "a*b*c*d*e*/f|axbxcxdxexxx/f|true",
            "a*b*c*d*e*/f|axbxcxdxe/xxx/f|false", "a*b*c*d*e*/f|axbxcxdxexxx/fff|false",
            "a*b?c*x|abxbbxdbxebxczzx|true", "a*b?c*x|abxbbxdbxebxczzy|false",
            "ab[c]|abc|true", "ab[b-d]|abc|true", "ab[e-g]|abc|false", "ab[^c]|abc|false", "ab[^b-d]|abc|false",
            "ab[^e-g]|abc|true", "a\\*b|a*b|true", "a\\*b|ab|false", "a?b|a☺b|true", "a[^a]b|a☺b|true",
            "a???b|a☺b|false", "a[^a][^a][^a]b|a☺b|false", "[a-ζ]*|α|true", "*[a-ζ]|A|false", "a?b|a/b|false",
            "a*b|a/b|false", "[\\]a]|]|true", "[\\-]|-|true", "[x\\-]|x|true", "[x\\-]|-|true", "[x\\-]|z|false",
            "[\\-x]|x|true", "[\\-x]|-|true", "[\\-x]|a|false", "*x|xxx|true",
    })
    void matchesAsGoPathMatch(String pattern, String name, boolean expected) {
        GlobPattern g = GlobPattern.compile(pattern);
        assertThat(g.isValid()).isTrue();
        assertThat(g.matches(name)).isEqualTo(expected);
    }

    /** Go's table rows that answer ErrBadPattern. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"[]a]", "[-]", "[x-]", "[a-b-c]", "[", "[^", "[^bc", "a[", "a\\", "\\", "[\\", "[-x]", "a[]", "[]", "*[]"})
    void malformedAsGoPathMatch(String pattern) {
        GlobPattern g = GlobPattern.compile(pattern);
        assertThat(g.isValid()).isFalse();
        assertThat(g.matches("a")).isFalse();
    }

    @Test
    void trailingAndEmpty() {
        assertThat(GlobPattern.compile("").matches("")).isTrue();
        assertThat(GlobPattern.compile("").matches("a")).isFalse();
        assertThat(GlobPattern.compile("*").matches("")).isTrue();
        assertThat(GlobPattern.compile("a*").matches("a/")).isFalse();
    }

    /**
     * The complexity check of issue 8: patterns that make a backtracking matcher exponential (or a naive one
     * quadratic) against 10,000 names must finish in well under a second (typically a few tens of ms).
     */
    @Test
    void pathologicalPatternsAreLinear() {
        List<String> names = new ArrayList<>();
        Random rnd = new Random(8);
        for (int i = 0; i < 10_000; i++) {
            names.add("example.com:5000/team-" + i + "/" + "a".repeat(40 + rnd.nextInt(100)) + ":v" + i);
        }
        names.add("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        List<String> patterns = List.of("********x", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
                "*/" + "*a".repeat(60) + "*b", "*/*" + "a".repeat(70) + "b*", "*/*" + "?".repeat(120) + "x",
                "*/*[a-a]" + "[^b]".repeat(90) + "x:*", "*" + "a".repeat(3000) + "*", "*".repeat(5000) + "a" + "?*".repeat(2000));
        for (String p : patterns) {
            GlobPattern g = GlobPattern.compile(p);
            long t0 = System.nanoTime();
            int matched = 0;
            for (String n : names) if (g.matches(n)) matched++;
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(took).as("pattern %s took %s", p.length() > 40 ? p.substring(0, 40) + "…" : p, took)
                    .isLessThan(Duration.ofSeconds(1));
            assertThat(matched).as(p).isZero();
        }
    }

    /**
     * The shift-and search (ASCII names) must answer as Go's start-by-start algorithm, which the byte path
     * implements: compare the two on random patterns and names over a small alphabet.
     */
    @Test
    void asciiSearchAgreesWithGoAlgorithm() {
        Random rnd = new Random(42);
        String[] atoms = {"a", "b", "/", "?", "*", "[ab]", "[^a]", "[/]", "\\a", ":"};
        for (int i = 0; i < 5_000; i++) {
            StringBuilder p = new StringBuilder();
            for (int k = rnd.nextInt(7); k >= 0; k--) p.append(atoms[rnd.nextInt(atoms.length)]);
            StringBuilder n = new StringBuilder();
            for (int k = rnd.nextInt(10); k >= 0; k--) n.append("ab/:".charAt(rnd.nextInt(4)));
            GlobPattern g = GlobPattern.compile(p.toString());
            assertThat(g.matches(n.toString())).as("%s ~ %s", p, n).isEqualTo(GoMatch.match(p.toString(), n.toString()));
        }
    }

    /** A literal transcription of Go 1.19's path.Match (errors as false), the oracle for the random test. */
    static final class GoMatch {
        static boolean match(String pattern, String name) {
            Pattern:
            while (!pattern.isEmpty()) {
                boolean star = false;
                while (!pattern.isEmpty() && pattern.charAt(0) == '*') {
                    pattern = pattern.substring(1);
                    star = true;
                }
                boolean inRange = false;
                int i = 0;
                scan:
                for (; i < pattern.length(); i++) {
                    switch (pattern.charAt(i)) {
                        case '\\' -> {
                            if (i + 1 < pattern.length()) i++;
                        }
                        case '[' -> inRange = true;
                        case ']' -> inRange = false;
                        case '*' -> {
                            if (!inRange) break scan;
                        }
                        default -> {
                        }
                    }
                }
                String chunk = pattern.substring(0, i);
                pattern = pattern.substring(i);
                if (star && chunk.isEmpty()) return name.indexOf('/') < 0;
                String t = chunk(chunk, name);
                if (t != null && (t.isEmpty() || !pattern.isEmpty())) {
                    name = t;
                    continue;
                }
                if (star) {
                    for (int k = 0; k < name.length() && name.charAt(k) != '/'; k++) {
                        t = chunk(chunk, name.substring(k + 1));
                        if (t != null) {
                            if (pattern.isEmpty() && !t.isEmpty()) continue;
                            name = t;
                            continue Pattern;
                        }
                    }
                }
                return false;
            }
            return name.isEmpty();
        }

        /** matchChunk for the ASCII, well-formed subset the random test generates; null when it does not match. */
        private static String chunk(String chunk, String s) {
            int i = 0;
            while (i < chunk.length()) {
                if (s.isEmpty()) return null;
                char c = chunk.charAt(i);
                if (c == '[') {
                    int end = chunk.indexOf(']', i + 2);
                    String cls = chunk.substring(i + 1, end);
                    boolean neg = cls.startsWith("^");
                    if (neg) cls = cls.substring(1);
                    if ((cls.indexOf(s.charAt(0)) >= 0) == neg) return null;
                    i = end + 1;
                } else if (c == '?') {
                    if (s.charAt(0) == '/') return null;
                    i++;
                } else {
                    if (c == '\\') c = chunk.charAt(++i);
                    if (s.charAt(0) != c) return null;
                    i++;
                }
                s = s.substring(1);
            }
            return s;
        }
    }
}
