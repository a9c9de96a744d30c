package io.imaged.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The command that starts the packaged imaged in a test: {@code java <flags> -jar <jar>}. End-to-end tests start
 * imaged some sixty times, so start-up is made cheaper, without changing what runs:
 * <ul>
 * <li>the jar as Spring Boot extracts it ({@code -Djarmode=tools extract}: the same classes, the libraries beside it)
 * with an AppCDS archive of the classes a start loads, made once per build of the jar in {@code target/cds} (a
 * training run that stops after the context refreshed); {@code -Xshare:auto}, so a JVM that cannot map the
 * archive runs without it;</li>
 * <li>{@code -XX:TieredStopAtLevel=1} (C1 only: tests are short, the C2 compiler would mostly compete for the two
 * cores) and {@code -XX:+UseSerialGC} (no GC threads to start).</li>
 * </ul>
 * {@code -Dimaged.test.fast-start=false} runs the fat jar with the JVM's defaults, as before.
 */
public final class ImagedJvm {
    private static final boolean FAST = !"false".equals(System.getProperty("imaged.test.fast-start"));
    private static volatile Path archive;
    private static volatile Path extractedJar;
    private static volatile boolean prepared;

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
        prepare();
        List<String> flags = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        if (archive != null) {
            flags.add("-XX:SharedArchiveFile=" + archive);
            flags.add("-Xshare:auto"); // a JVM that cannot map it warns (in imaged's log) and runs without it
        }
        return flags;
    }

    /** The jar to run: the extracted one beside its archive, or the packaged fat jar. */
    public static Path jar() {
        if (!FAST) return ImagedProcess.jar();
        prepare();
        return extractedJar != null ? extractedJar : ImagedProcess.jar();
    }

    /**
     * Extracts the jar and makes the archive once per build (checked against the jar's size and time, under a file
     * lock, so that test JVMs running at once share one). Any failure leaves the fat jar without an archive.
     */
    private static synchronized void prepare() {
        if (prepared) return;
        prepared = true;
        Path fat = ImagedProcess.jar();
        Path dir = fat.resolveSibling("cds");
        try {
            Files.createDirectories(dir);
            String stamp = Files.size(fat) + " " + Files.getLastModifiedTime(fat).toMillis() + " " + System.getProperty("java.version");
            Path stampFile = dir.resolve("stamp");
            Path app = dir.resolve("app");
            Path jsa = dir.resolve("imaged.jsa");
            Path jar = app.resolve(fat.getFileName());
            try (FileChannel lockFile = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockFile.lock()) {
                boolean current = Files.exists(stampFile) && Files.readString(stampFile).equals(stamp) && Files.exists(jsa)
                        && Files.exists(jar);
                if (!current) {
                    Files.deleteIfExists(stampFile);
                    Files.deleteIfExists(jsa);
                    deleteTree(app);
                    run(dir, List.of(java(), "-Djarmode=tools", "-jar", fat.toString(), "extract", "--destination", app.toString()));
                    train(dir, jar, jsa);
                    Files.writeString(stampFile, stamp);
                }
            }
            extractedJar = jar;
            archive = jsa;
        } catch (IOException | RuntimeException e) {
            System.err.println("imaged tests: no AppCDS archive, starting the fat jar (" + e + ")");
            extractedJar = null;
            archive = null;
        }
    }

    /** A start of imaged that ends once its context is refreshed, writing the classes it loaded to {@code jsa}. */
    private static void train(Path dir, Path jar, Path jsa) throws IOException {
        Path data = Files.createTempDirectory("imaged-cds-");
        try {
            List<String> cmd = new ArrayList<>(List.of(java(), "-XX:ArchiveClassesAtExit=" + jsa, "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC", "-Dspring.context.exit=onRefresh", "-jar", jar.toString(),
                    "--imaged.data-root=" + data.resolve("data"),
                    "--imaged.hosts=unix://" + data.resolve("data/imaged.sock") + ",tcp://127.0.0.1:" + Ports.free(),
                    "--imaged.registry.docker-io-upstream=http://127.0.0.1:1", "--imaged.registry.docker-io-index=http://127.0.0.1:1",
                    "--logging.level.root=WARN"));
            run(dir, cmd);
            if (!Files.exists(jsa)) throw new IOException("the training run wrote no archive");
        } finally {
            deleteTree(data);
        }
    }

    private static void run(Path dir, List<String> cmd) throws IOException {
        Path log = dir.resolve("cds.log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            if (!p.waitFor(Long.getLong("imaged.start-timeout-seconds", 180), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd.get(1) + " did not finish (see " + log + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd.subList(0, Math.min(4, cmd.size()))) + " exited " + p.exitValue()
                    + ": " + tail(log));
        }
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.substring(Math.max(0, s.length() - 2000));
        } catch (IOException e) {
            return "";
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
