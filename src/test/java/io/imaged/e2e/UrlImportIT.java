package io.imaged.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Fixtures;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Tars;
import io.imaged.testsupport.WorkDir;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docker import <url>} from an HTTP server the test runs on loopback: streamed, progress as dockerd
 * sends it, the {@code imaged.import-max-bytes} limit, and clear errors that leave the store as it was.
 */
@ImagedTest
class UrlImportIT {
    static final int LIMIT = 256 * 1024;
    @WorkDir
    static Path dir;
    static ImagedProcess imaged;
    static DockerCli docker;
    static HttpServer server;
    static String base;
    static final byte[] ROOTFS = Tars.of(Map.of("etc/hello.txt", "hello from a URL\n", "bin/tool", "tool\n"));
    static final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void start(Fixtures fixtures) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/rootfs.tar", ex -> send(ex, ROOTFS, true));
        server.createContext("/rootfs.tar.gz", ex -> send(ex, gzip(ROOTFS), true));
        server.createContext("/big-with-length.tar", ex -> send(ex, bigTar(), true));
        server.createContext("/big-chunked.tar", ex -> send(ex, bigTar(), false));
        server.createContext("/cut.tar", ex -> {
            // promises the whole tar but hangs up halfway
            byte[] tar = bigTar();
            ex.sendResponseHeaders(200, tar.length);
            ex.getResponseBody().write(tar, 0, tar.length / 8);
            ex.getResponseBody().flush();
            ex.close();
        });
        server.createContext("/missing.tar", ex -> {
            byte[] msg = "no such file".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(404, msg.length);
            ex.getResponseBody().write(msg);
            ex.close();
        });
        server.start();
        fixtures.own(() -> server.stop(0));
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        imaged = fixtures.imaged("--imaged.import-max-bytes=" + LIMIT + "B");
        docker = fixtures.cli(imaged, "docker");
    }

    private static void send(com.sun.net.httpserver.HttpExchange ex, byte[] body, boolean withLength) throws IOException {
        ex.sendResponseHeaders(200, withLength ? body.length : 0);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static byte[] gzip(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** A tar of random content over the limit. */
    private static byte[] bigTar() {
        byte[] noise = new byte[LIMIT * 2];
        new Random(42).nextBytes(noise);
        return Tars.of(Map.of("noise.bin", new String(noise, StandardCharsets.ISO_8859_1)));
    }

    @Test
    void importsFromAUrlWithATagAndTheDefaultMessage() {
        DockerCli.Result r = docker.run("import", base + "/rootfs.tar", "demo/x:1").ok();
        String id = r.lines().get(r.lines().size() - 1).trim();
        assertThat(id).matches("sha256:[a-f0-9]{64}");
        assertThat(docker.run("image", "inspect", "--format", "{{.Id}} {{.Comment}} {{.Size}}", "demo/x:1").ok().stdout().trim())
                .isEqualTo(id + " Imported from " + base + "/rootfs.tar 22");
        String gz = docker.run("import", "-c", "LABEL from=url", base + "/rootfs.tar.gz", "demo/x:gz").ok().lines().get(1).trim();
        assertThat(docker.run("image", "inspect", "--format", "{{.RootFS.Layers}} {{.Config.Labels}}", gz).ok().stdout().trim())
                .isEqualTo(docker.run("image", "inspect", "--format", "{{.RootFS.Layers}}", id).ok().stdout().trim() + " map[from:url]");
    }

    @Test
    void theRawApiStreamsDownloadProgress() throws Exception {
        String q = "/images/create?fromSrc=" + URLEncoder.encode(base + "/rootfs.tar", StandardCharsets.UTF_8) + "&repo=demo/raw&tag=1";
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl() + "/v1.50" + q))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        List<JsonNode> lines = new ArrayList<>();
        for (String l : r.body().split("\r\n")) lines.add(json.readTree(l));
        assertThat(lines.get(0).get("status").asText()).isEqualTo("Downloading from " + base + "/rootfs.tar");
        JsonNode progress = lines.get(lines.size() - 2);
        assertThat(progress.get("status").asText()).isEqualTo("Importing");
        assertThat(progress.get("progressDetail").get("current").asLong()).isEqualTo(ROOTFS.length);
        assertThat(progress.get("progressDetail").get("total").asLong()).isEqualTo(ROOTFS.length);
        assertThat(lines.get(lines.size() - 1).get("status").asText()).matches("sha256:[a-f0-9]{64}");
    }

    @Test
    void failuresAreClearAndStoreNothing() throws Exception {
        List<String> blobsBefore = blobs();
        String imagesBefore = docker.run("images", "-a", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").ok().stdout();

        DockerCli.Result missing = docker.run("import", base + "/missing.tar", "demo/fail:1");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).contains("failed to GET " + base + "/missing.tar with status 404 Not Found: no such file");

        DockerCli.Result tooBig = docker.run("import", base + "/big-with-length.tar", "demo/fail:2");
        assertThat(tooBig.exitCode()).isEqualTo(1);
        assertThat(tooBig.stderr()).contains("is larger than the limit of " + LIMIT + " bytes");

        // without a Content-Length the limit is found while streaming: the error comes inside the 200 stream
        DockerCli.Result chunked = docker.run("import", base + "/big-chunked.tar", "demo/fail:3");
        assertThat(chunked.exitCode()).isEqualTo(1);
        assertThat(chunked.stdout() + chunked.stderr()).contains("is larger than the limit of " + LIMIT + " bytes");

        DockerCli.Result cut = docker.run("import", base + "/cut.tar", "demo/fail:4");
        assertThat(cut.exitCode()).isEqualTo(1);

        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        DockerCli.Result refused = docker.run("import", "http://127.0.0.1:" + closedPort + "/x.tar", "demo/fail:5");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stderr()).contains("connection refused");

        DockerCli.Result scheme = docker.run("import", "ftp://127.0.0.1/x.tar", "demo/fail:6");
        assertThat(scheme.exitCode()).isEqualTo(1);

        assertThat(docker.run("images", "-a", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").ok().stdout()).isEqualTo(imagesBefore);
        assertThat(blobs()).isEqualTo(blobsBefore);
    }

    private static List<String> blobs() throws IOException {
        try (Stream<Path> s = Files.walk(imaged.dataRoot().resolve("blobs"))) {
            return s.filter(Files::isRegularFile).map(Path::toString).sorted().toList();
        }
    }
}
