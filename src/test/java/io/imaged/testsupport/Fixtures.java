package io.imaged.testsupport;

import com.github.dockerjava.api.DockerClient;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * What an end-to-end test runs against, started on demand and closed together (last started, first closed): imaged,
 * docker-registry processes (plain, htpasswd, token, TLS), fault and throttle proxies, token servers, test CAs, the
 * docker CLI and docker-java. Each gets its own folder under {@link #dir()}, named as the test names it. The tools
 * each one needs are checked with {@link Tools#require} (a failure in CI, a skip elsewhere).
 *
 * <p>{@link ImagedExtension} keeps one per test class (closed after the class) and one per test method that asks
 * for its own (closed after the test); the annotations ({@link Imaged}, {@link Registry}, ...) are shorthand for
 * these calls. A test may also take a {@code Fixtures} parameter and start what only it needs.
 */
public final class Fixtures implements ExtensionContext.Store.CloseableResource {
    private final Path dir;
    private final Deque<AutoCloseable> open = new ArrayDeque<>();
    private final Set<String> names = new HashSet<>();

    public Fixtures(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The folder all of this fixture's processes keep their files in (deleted by JUnit after the class or test). */
    public Path dir() {
        return dir;
    }

    /** A folder of its own for {@code name} (a second use of the same name gets {@code name-2}, ...). */
    private synchronized Path folder(String name) {
        String n = name;
        for (int i = 2; !names.add(n); i++) n = name + "-" + i;
        return dir.resolve(n);
    }

    /** Closes {@code resource} with the rest of the fixture. */
    public synchronized <T extends AutoCloseable> T own(T resource) {
        open.push(resource);
        return resource;
    }

    /** imaged with default settings plus {@code args}, in folder {@code imaged}. */
    public ImagedProcess imaged(String... args) throws IOException {
        return imaged("imaged", b -> b.args(args));
    }

    /** imaged as {@code setup} configures it (TLS, environment, listener address), in folder {@code name}. */
    public ImagedProcess imaged(String name, UnaryOperator<ImagedProcess.Builder> setup) throws IOException {
        return own(setup.apply(ImagedProcess.builder(folder(name))).start());
    }

    /** A docker-registry without authentication. */
    public RegistryProcess registry(String name) throws IOException {
        Tools.require("docker-registry");
        return own(RegistryProcess.start(folder(name)));
    }

    /** A docker-registry with htpasswd basic auth for {@code user}. */
    public RegistryProcess registry(String name, String user, String password) throws IOException {
        Tools.require("docker-registry");
        Path d = folder(name);
        return own(RegistryProcess.start(d, htpasswd(d, user, password)));
    }

    /** A docker-registry whose token auth trusts {@code tokens}. */
    public RegistryProcess registry(String name, TokenServer tokens) throws IOException {
        Tools.require("docker-registry");
        return own(RegistryProcess.startWithConfig(folder(name), tokens.registryYaml()));
    }

    /** A docker-registry serving HTTPS with {@code tls}; with a user, also htpasswd basic auth. */
    public RegistryProcess registry(String name, RegistryProcess.Tls tls, String user, String password) throws IOException {
        Tools.require("docker-registry");
        Path d = folder(name);
        return own(RegistryProcess.startTls(d, tls, user == null || user.isEmpty() ? null : htpasswd(d, user, password)));
    }

    /** {@code htpasswd -Bbn user password} into {@code <dir>/htpasswd}. */
    private static Path htpasswd(Path dir, String user, String password) throws IOException {
        Tools.require("htpasswd");
        Files.createDirectories(dir);
        Path file = dir.resolve("htpasswd");
        Process p = new ProcessBuilder("htpasswd", "-Bbn", user, password).start();
        Files.write(file, p.getInputStream().readAllBytes());
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("htpasswd failed: " + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return file;
    }

    /** A token server knowing {@code user} with {@code password}. */
    public TokenServer tokens(String name, String user, String password) throws Exception {
        return own(new TokenServer(folder(name), user, password));
    }

    /** A throw-away CA with a server and a client certificate (openssl). */
    public TestCerts certs(String name) throws IOException {
        Tools.require("openssl");
        return TestCerts.create(folder(name));
    }

    /** A fault-injecting HTTP proxy in front of {@code registry}. */
    public FaultProxy faultProxy(RegistryProcess registry) throws IOException {
        return own(new FaultProxy(registry.url()));
    }

    /** A TCP proxy in front of {@code registry} that slows uploads to {@code bytesPerSecond} (0: no limit). */
    public ThrottleProxy throttleProxy(RegistryProcess registry, long bytesPerSecond) throws IOException {
        return own(new ThrottleProxy(registry.port(), bytesPerSecond));
    }

    /** The docker CLI for {@code imaged}, with its own config folder {@code name}. */
    public DockerCli cli(ImagedProcess imaged, String name) {
        Tools.require("docker");
        return new DockerCli(imaged.dockerHost(), folder(name));
    }

    /** docker-java over {@code imaged}'s unix socket. */
    public DockerClient dockerJava(ImagedProcess imaged) {
        return own(DockerJava.connect(imaged.dockerHost()));
    }

    /** Headless Chromium with its profile in folder {@code browser}. */
    public Browser browser() throws IOException {
        return own(Browser.headless(folder("browser")));
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        while (true) {
            AutoCloseable c;
            synchronized (this) {
                c = open.poll();
            }
            if (c == null) break;
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
