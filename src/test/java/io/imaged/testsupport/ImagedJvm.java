package io.imaged.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command that starts the packaged imaged in a test: {@code java <flags> -jar <jar>}. End-to-end tests start
 * imaged some sixty times, so they start it as the documented launch does ({@code target/imaged/imaged}): the jar
 * as {@code ./mvnw package} lays it out in {@code target/imaged}, with the class-data archive its training run made
 * ({@code src/main/launcher}); {@code -Xshare:auto}, so a JVM that cannot map the archive runs without it. On top,
 * {@code -Dspring.aot.enabled=true} (the bean definitions of the build's AOT processing, as the launcher runs it),
 * {@code -XX:TieredStopAtLevel=1} and {@code --enable-native-access=ALL-UNNAMED} (C1 only and the native SHA-256, as
 * the launcher runs it) and {@code -XX:+UseSerialGC} (no GC threads to start, and the flag the archive was made with).
 * {@code -Dimaged.test.fast-start=false} runs the fat jar with the JVM's defaults.
 */
public final class ImagedJvm {
    private static final boolean FAST = !"false".equals(System.getProperty("imaged.test.fast-start"));

    private ImagedJvm() {
    }

    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code java <jvm flags> <extra> -jar <jar>}: append the application's arguments. */
    public static List<String> command(String... extraJvmArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(jvmFlags());
        cmd.addAll(List.of(extraJvmArgs));
        cmd.add("-jar");
        cmd.add(jar().toString());
        return cmd;
    }

    /** The flags (archive, compiler, GC), for scripts that start java themselves. */
    public static List<String> jvmFlags() {
        if (!FAST) return List.of();
        List<String> flags = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-Dspring.aot.enabled=true"));
        Path layout = layout();
        if (layout != null && Files.exists(layout.resolve("imaged.jsa"))) {
            flags.add("-XX:SharedArchiveFile=" + layout.resolve("imaged.jsa"));
            flags.add("-Xshare:auto"); // a JVM that cannot map it warns (in imaged's log) and runs without it
        } else if (layout != null && Files.exists(layout.resolve("imaged.aot"))) {
            flags.add("-XX:AOTCache=" + layout.resolve("imaged.aot"));
        }
        return flags;
    }

    /** The jar to run: the laid-out one beside its archive, or the packaged fat jar. */
    public static Path jar() {
        Path layout = FAST ? layout() : null;
        return layout != null ? layout.resolve(ImagedProcess.jar().getFileName()) : ImagedProcess.jar();
    }

    /** {@code target/imaged} beside the fat jar, when the build laid it out from this very jar. */
    private static Path layout() {
        Path fat = ImagedProcess.jar();
        Path dir = fat.resolveSibling("imaged");
        Path jar = dir.resolve(fat.getFileName());
        try {
            boolean current = Files.exists(jar) && Files.getLastModifiedTime(jar).compareTo(Files.getLastModifiedTime(fat)) >= 0;
            return current ? dir : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
