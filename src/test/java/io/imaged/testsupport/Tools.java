package io.imaged.testsupport;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The outside programs a test drives. In CI (env {@code CI} set) a missing one fails the test, since
 * {@code .ci/run} installs them all; on a developer's machine the test is skipped with the reason.
 */
public final class Tools {
    private Tools() {
    }

    /** Commands by name (looked up on PATH and in /usr/bin, /usr/sbin). */
    public static void require(String... commands) {
        List<String> missing = new ArrayList<>();
        for (String c : commands) {
            if (find(c) == null) missing.add(c);
        }
        if (missing.isEmpty()) return;
        String why = "needs " + String.join(", ", missing) + " on the PATH (.ci/run installs it with apt-get)";
        if (inCi()) throw new AssertionError("CI: " + why);
        Assumptions.abort(why);
    }

    /** A need that is no command (a module, a source tree): unmet, it fails the test in CI and skips it elsewhere. */
    public static void requireThat(boolean met, String why) {
        if (met) return;
        if (inCi()) throw new AssertionError("CI: " + why);
        Assumptions.abort(why);
    }

    public static boolean inCi() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
    }

    /** The executable's path, or null. */
    public static Path find(String command) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/local/bin", "/usr/bin", "/usr/sbin", "/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }
}
