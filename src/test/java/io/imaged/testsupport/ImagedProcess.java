package io.imaged.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The packaged imaged jar running as its own process, as a user runs it: a temp data root, a unix
 * socket and a free loopback TCP port. {@link #kill()} is a crash (SIGKILL); {@link #stop()} a clean stop.
 */
public final class ImagedProcess implements AutoCloseable {
    private final Path dataRoot;
    private final int port;
    private final List<String> extraArgs;
    private final Path log;
    private final String tcpHost;
    private final boolean tls;
    private final Map<String, String> env;
    private Process process;

    private ImagedProcess(Path dataRoot, List<String> extraArgs, String tcpHost, boolean tls, Map<String, String> env) {
        this.dataRoot = dataRoot;
        this.port = Ports.free();
        this.extraArgs = extraArgs;
        this.log = dataRoot.resolveSibling(dataRoot.getFileName() + ".log");
        this.tcpHost = tcpHost;
        this.tls = tls;
        this.env = Map.copyOf(env);
    }

    /** Starts imaged on a new data root under {@code dir}. */
    public static ImagedProcess start(Path dir, String... extraArgs) throws IOException {
        return builder(dir).args(extraArgs).start();
    }

    /** For a listener other than plain HTTP on 127.0.0.1, or settings given as environment variables. */
    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    public static final class Builder {
        private final Path dir;
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private String tcpHost = "127.0.0.1";
        private boolean tls;

        private Builder(Path dir) {
            this.dir = dir;
        }

        public Builder args(String... more) {
            args.addAll(List.of(more));
            return this;
        }

        /** An environment variable for the process (IMAGED_TLS_CERT, ...). */
        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /**
         * The address the TCP listener binds (default 127.0.0.1). Tests still connect only through 127.0.0.1:
         * {@code 0.0.0.0} is reached there too.
         */
        public Builder tcpHost(String host) {
            tcpHost = host;
            return this;
        }

        /** The TCP listener speaks TLS (the settings are the test's): readiness is checked over the unix socket. */
        public Builder tls() {
            tls = true;
            return this;
        }

        public ImagedProcess start() throws IOException {
            ImagedProcess p = new ImagedProcess(dir.resolve("data"), List.copyOf(args), tcpHost, tls, env);
            p.launch();
            return p;
        }
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
        List<String> cmd = ImagedJvm.command("-Xmx512m");
        cmd.add("--imaged.data-root=" + dataRoot);
        cmd.add("--imaged.hosts=unix://" + socket() + ",tcp://" + tcpHost + ":" + port);
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
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        process = pb.start();
        try {
            // a loaded 2-core machine can take over a minute to start a JVM; -Dimaged.start-timeout-seconds changes the wait
            waitReady(Duration.ofSeconds(Long.getLong("imaged.start-timeout-seconds", 180)));
        } catch (IOException e) {
            process.destroyForcibly(); // the caller never gets this object to stop it
            throw e;
        }
    }

    private void waitReady(Duration timeout) throws IOException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IOException("imaged exited with " + process.exitValue() + ":\n" + logText());
            try {
                if (tls) {
                    if (Files.exists(socket()) && pingUnix()) return;
                    sleep(100);
                    continue;
                }
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

    /** {@code GET /_ping} over the unix socket (HTTP/1.0, so the server closes the connection after answering). */
    private boolean pingUnix() throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket()));
            ch.write(ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (ch.read(buf) >= 0 && answer.size() < 65536) {
                answer.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            return answer.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200");
        }
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

    /** The TCP listener as clients reach it: always through 127.0.0.1, {@code https} when it speaks TLS. */
    public String tcpUrl() {
        return (tls ? "https" : "http") + "://127.0.0.1:" + port;
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
