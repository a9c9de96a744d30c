package io.imaged.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The packaged imaged jar running as its own process, as a user runs it: a temp data root, a unix
 * socket and a free loopback TCP port. {@link #kill()} is a crash (SIGKILL); {@link #stop()} a clean stop.
 */
public final class ImagedProcess implements AutoCloseable {
    private final Path dataRoot;
    private final int port;
    private final List<String> extraArgs;
    private final Path log;
    private Process process;

    private ImagedProcess(Path dataRoot, List<String> extraArgs) throws IOException {
        this.dataRoot = dataRoot;
        this.port = Ports.free();
        this.extraArgs = extraArgs;
        this.log = dataRoot.resolveSibling(dataRoot.getFileName() + ".log");
    }

    /** Starts imaged on a new data root under {@code dir}. */
    public static ImagedProcess start(Path dir, String... extraArgs) throws IOException {
        ImagedProcess p = new ImagedProcess(dir.resolve("data"), List.of(extraArgs));
        p.launch();
        return p;
    }

    public static Path jar() {
        String prop = System.getProperty("imaged.jar");
        Path jar = prop != null ? Path.of(prop) : Path.of("target/imaged.jar");
        if (!Files.exists(jar)) throw new IllegalStateException("packaged jar not found at " + jar + " (run ./mvnw verify)");
        return jar.toAbsolutePath();
    }

    /** (Re)starts the process on the same data root. */
    public void launch() throws IOException {
        Files.createDirectories(dataRoot);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.add("--imaged.data-root=" + dataRoot);
        cmd.add("--imaged.hosts=unix://" + socket() + ",tcp://127.0.0.1:" + port);
        // a test may choose the levels (a repeated argument would be joined into an invalid "WARN,DEBUG")
        if (extraArgs.stream().noneMatch(a -> a.startsWith("--logging.level.root="))) cmd.add("--logging.level.root=WARN");
        if (extraArgs.stream().noneMatch(a -> a.startsWith("--logging.level.io.imaged="))) cmd.add("--logging.level.io.imaged=INFO");
        // nothing leaves loopback, even when a test fails: docker.io points at a closed port unless a test says otherwise
        if (extraArgs.stream().noneMatch(a -> a.startsWith("--imaged.registry.docker-io-upstream="))) {
            cmd.add("--imaged.registry.docker-io-upstream=http://127.0.0.1:1");
        }
        if (extraArgs.stream().noneMatch(a -> a.startsWith("--imaged.registry.docker-io-index="))) {
            cmd.add("--imaged.registry.docker-io-index=http://127.0.0.1:1");
        }
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        // a loaded machine (CI runners, shared hosts) can take minutes to start a JVM: -Dimaged.test.start-timeout-seconds
        waitReady(Duration.ofSeconds(Long.getLong("imaged.test.start-timeout-seconds", 60)));
    }

    private void waitReady(Duration timeout) throws IOException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IOException("imaged exited with " + process.exitValue() + ":\n" + logText());
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(tcpUrl() + "/_ping")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && Files.exists(socket())) return;
            } catch (IOException e) {
                // not up yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            sleep(100);
        }
        throw new IOException("imaged did not answer within " + timeout + ":\n" + logText());
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    public Path dataRoot() {
        return dataRoot;
    }

    public Path socket() {
        return dataRoot.resolve("imaged.sock");
    }

    public String dockerHost() {
        return "unix://" + socket();
    }

    public int port() {
        return port;
    }

    public String tcpUrl() {
        return "http://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** A crash: SIGKILL, no shutdown hooks. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public void stop() throws InterruptedException {
        if (process == null) return;
        process.destroy();
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) kill();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
