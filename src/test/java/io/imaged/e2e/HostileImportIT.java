package io.imaged.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.TarBuilder;
import io.imaged.testsupport.WorkDir;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Corrupt and hostile tars get the same validation whether they come as a {@code docker import} body or as a layer
 * inside a {@code docker load} archive: refused with dockerd's message (import: 400, the CLI exits 1; load: the
 * error inside the 200 stream), and the data root is left exactly as it was — no blob, layer, image or temp file.
 */
@ImagedTest
class HostileImportIT {
    @WorkDir
    static Path dir;
    @Imaged
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;
    static final HttpClient http = HttpClient.newHttpClient();
    static final ObjectMapper json = new ObjectMapper();
    static final String EXIT = "Error processing tar file(exit status 1): ";

    /** Each hostile tar, with the message it is refused with (dockerd 20.10's where it refuses the same tar). */
    static Map<String, byte[]> hostile() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        byte[] big = new TarBuilder().file("a", new byte[5000]).file("b", "y").build();
        out.put(EXIT + "unexpected EOF", Arrays.copyOf(big, 512 + 3000));
        out.put(EXIT + "unexpected EOF ", Arrays.copyOf(big, 512 + 5120 + 200)); // cut inside the second header
        byte[] badSum = new TarBuilder().file("a", "hello\n").build();
        System.arraycopy("0000000\0".getBytes(StandardCharsets.US_ASCII), 0, badSum, 148, 8);
        out.put(EXIT + "archive/tar: invalid tar header", badSum);
        out.put(EXIT + "open /l/x: would be written through symlink /l",
                new TarBuilder().symlink("l", "/etc").file("l/x", "pwned\n").build());
        out.put(EXIT + "link /missing /h: no such file or directory",
                new TarBuilder().file("a", "hello\n").hardlink("h", "missing").build());
        out.put(EXIT + "archive/tar: header field too long",
                new TarBuilder().pax("comment", "x".repeat(2 << 20)).file("a", "hi\n").build());
        out.put("Error processing tar file(duplicates of file paths not supported): ./a",
                new TarBuilder().file("a", "one\n").file("./a", "two\n").build());
        out.put(EXIT + "open /f/x: not a directory", new TarBuilder().file("f", "one\n").file("f/x", "two\n").build());
        return out;
    }

    @BeforeAll
    static void seed() {
        // something in the store, so that "as it was" means something
        docker.run(new ByteArrayInputStream(new TarBuilder().file("etc/base", "base\n").build()), "import", "-", "hostile/base:1").ok();
    }

    @Test
    void theDockerCliImportIsRefusedAndNothingIsStored() throws Exception {
        for (var e : hostile().entrySet()) {
            String message = e.getKey().strip();
            Map<String, String> before = snapshot();
            DockerCli.Result r = docker.run(new ByteArrayInputStream(e.getValue()), "import", "-", "hostile/import:1");
            assertThat(r.exitCode()).as(message).isEqualTo(1);
            assertThat(r.stderr().strip()).as(message).isEqualTo("Error response from daemon: " + message);
            assertThat(snapshot()).as("nothing new in the data root after: " + message).isEqualTo(before);
        }
        assertThat(docker.run("images", "--format", "{{.Repository}}:{{.Tag}}").ok().stdout().strip()).isEqualTo("hostile/base:1");
    }

    @Test
    void theApiAnswers400WithDockersErrorBody() throws Exception {
        Map.Entry<String, byte[]> first = hostile().entrySet().iterator().next();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl() + "/v1.50/images/create?fromSrc=-&repo=hostile/api"))
                .header("Content-Type", "application/x-tar").POST(HttpRequest.BodyPublishers.ofByteArray(first.getValue())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json.readTree(r.body()).path("message").asText()).isEqualTo(first.getKey());
    }

    @Test
    void theSameTarsAsALayerOfALoadArchiveAreRefused() throws Exception {
        for (var e : hostile().entrySet()) {
            String message = e.getKey().strip();
            byte[] layer = e.getValue();
            String diffId = "sha256:" + HostileArchiveIT.sha256(layer);
            byte[] archive = new TarBuilder().file("layer.tar", layer)
                    .file("config.json", HostileArchiveIT.config(diffId))
                    .file("manifest.json", HostileArchiveIT.manifest("config.json", "layer.tar")).build();
            Map<String, String> before = snapshot();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl() + "/v1.50/images/load?quiet=1"))
                    .header("Content-Type", "application/x-tar").POST(HttpRequest.BodyPublishers.ofByteArray(archive)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(message).isEqualTo(200);
            JsonNode body = json.readTree(r.body());
            assertThat(body.path("errorDetail").path("message").asText()).as(r.body()).isEqualTo(message);
            assertThat(snapshot()).as("nothing new in the data root after loading: " + message).isEqualTo(before);
        }
        // and the CLI shows it
        Path f = dir.resolve("hostile-layer.tar");
        byte[] layer = hostile().values().iterator().next();
        Files.write(f, new TarBuilder().file("layer.tar", layer).file("config.json", HostileArchiveIT.config("sha256:" + HostileArchiveIT.sha256(layer)))
                .file("manifest.json", HostileArchiveIT.manifest("config.json", "layer.tar")).build());
        DockerCli.Result r = docker.run("load", "-i", f.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).contains(EXIT + "unexpected EOF");
    }

    @Test
    void tarsDockerdAcceptsAreStillImported() throws Exception {
        // a hard link to a file stored before, a symlink next to (not above) a file, a tar without its end blocks
        byte[] ok = new TarBuilder().dir("./").file("a", "hello\n").hardlink("h", "a").symlink("l", "/etc").file("etc/x", "x\n").build();
        assertThat(docker.run(new ByteArrayInputStream(ok), "import", "-", "hostile/fine:1").ok().stdout()).startsWith("sha256:");
        byte[] noEnd = Arrays.copyOf(new TarBuilder().file("a", new byte[5000]).build(), 512 + 5120);
        assertThat(docker.run(new ByteArrayInputStream(noEnd), "import", "-", "hostile/fine:2").ok().stdout()).startsWith("sha256:");
        docker.run("rmi", "hostile/fine:1", "hostile/fine:2").ok();
    }

    /** Every file under the data root (but the socket) with its content hash: temp files count. */
    private static Map<String, String> snapshot() throws IOException {
        Map<String, String> out = new TreeMap<>();
        Path root = imaged.dataRoot();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = root.relativize(p).toString();
                if (rel.equals("imaged.sock") || rel.equals("engine-id")) continue;
                out.put(rel, HostileArchiveIT.sha256(Files.readAllBytes(p)));
            }
        }
        return out;
    }
}
