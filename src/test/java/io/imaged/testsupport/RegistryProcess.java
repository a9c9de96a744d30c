package io.imaged.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real distribution registry (Debian's {@code docker-registry}) on a free loopback port, with its own
 * storage; optionally with htpasswd basic auth. Tests never talk to a registry off this machine.
 */
public final class RegistryProcess implements AutoCloseable {
    private final Path dir;
    private final int port;
    private Tls tls;
    private Process process;

    /**
     * TLS for the registry ({@code http.tls}): its certificate and key, and with {@code clientCa} not null it
     * requires client certificates signed by that CA ({@code clientcas}).
     */
    public record Tls(Path certificate, Path key, Path clientCa) {
    }

    private RegistryProcess(Path dir) {
        this.dir = dir;
        this.port = Ports.free();
    }

    public static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/docker-registry"));
    }

    /** A registry without authentication. */
    public static RegistryProcess start(Path dir) throws IOException {
        return start(dir, null);
    }

    /**
     * A registry; with {@code htpasswdFile} it requires basic auth (create the file with
     * {@code htpasswd -Bbn user pass}).
     */
    public static RegistryProcess start(Path dir, Path htpasswdFile) throws IOException {
        RegistryProcess r = new RegistryProcess(dir);
        r.launch(htpasswdFile, null);
        return r;
    }

    /** A registry with extra YAML appended under the top level (e.g. an {@code auth: token:} section). */
    public static RegistryProcess startWithConfig(Path dir, String extraYaml) throws IOException {
        RegistryProcess r = new RegistryProcess(dir);
        r.launch(null, extraYaml);
        return r;
    }

    /** A registry serving HTTPS only; with {@code htpasswdFile} it also requires basic auth. */
    public static RegistryProcess startTls(Path dir, Tls tls, Path htpasswdFile) throws IOException {
        RegistryProcess r = new RegistryProcess(dir);
        r.tls = tls;
        r.launch(htpasswdFile, null);
        return r;
    }

    private void launch(Path htpasswd, String extraYaml) throws IOException {
        Files.createDirectories(dir);
        StringBuilder cfg = new StringBuilder();
        cfg.append("version: 0.1\n");
        cfg.append("log: {level: warn}\n");
        cfg.append("storage: {filesystem: {rootdirectory: ").append(dir.resolve("storage")).append("}, delete: {enabled: true}}\n");
        cfg.append("http: {addr: 127.0.0.1:").append(port);
        if (tls != null) {
            cfg.append(", tls: {certificate: ").append(tls.certificate()).append(", key: ").append(tls.key());
            if (tls.clientCa() != null) cfg.append(", clientcas: [").append(tls.clientCa()).append("]");
            cfg.append("}");
        }
        cfg.append("}\n");
        if (htpasswd != null) {
            cfg.append("auth: {htpasswd: {realm: imaged-test, path: ").append(htpasswd).append("}}\n");
        }
        if (extraYaml != null) cfg.append(extraYaml).append('\n');
        Path config = dir.resolve("config.yml");
        Files.writeString(config, cfg);
        process = new ProcessBuilder("/usr/bin/docker-registry", "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IOException("docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
            if (tls != null) {
                // TLS (maybe mutual): a listening port is enough, the certificates were loaded before listen
                try (java.net.Socket ignored = new java.net.Socket("127.0.0.1", port)) {
                    return;
                } catch (IOException e) {
                    sleepQuietly();
                    continue;
                }
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200 || r.statusCode() == 401) return;
            } catch (IOException e) {
                // not up yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        throw new IOException("docker-registry did not start");
    }

    /** {@code 127.0.0.1:<port>}, the registry's host part in image names. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public String url() {
        return (tls != null ? "https://" : "http://") + host();
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.destroy();
            process.waitFor();
        }
    }
}
