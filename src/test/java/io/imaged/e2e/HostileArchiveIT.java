package io.imaged.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.TarBuilder;
import io.imaged.testsupport.Tars;
import io.imaged.testsupport.WorkDir;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile and broken archives sent to {@code POST /images/load}: each gets a clear message (as with dockerd, inside
 * the 200 JSON stream: {@code {"errorDetail":{"message":...},"error":...}}), writes
 * nothing outside (or inside) the data root, and leaves the store byte for byte as it was.
 */
@ImagedTest
class HostileArchiveIT {
    @WorkDir
    static Path dir;
    @Imaged
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;
    static final HttpClient http = HttpClient.newHttpClient();
    static final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void seed() {
        // a store with something in it, so "as it was" means something
        docker.run("load", "-i", ArchiveCliIT.ARCHIVES.resolve("dockerd-20.10-save.tar").toString()).ok();
    }

    /** A valid archive's parts, to break one at a time. */
    static final byte[] LAYER = Tars.of(Map.of("hostile/file.txt", "unique content of the hostile test layer\n"));
    static final String DIFF_ID = "sha256:" + sha256(LAYER);

    static String config(String... diffIds) {
        return "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + String.join("\",\"", diffIds) + "\"]}}";
    }

    static String manifest(String config, String... layers) {
        return "[{\"Config\":\"" + config + "\",\"RepoTags\":[\"hostile/x:1\"],\"Layers\":[\"" + String.join("\",\"", layers) + "\"]}]";
    }

    static TarBuilder valid() {
        return new TarBuilder().file("layer.tar", LAYER).file("config.json", config(DIFF_ID)).file("manifest.json", manifest("config.json", "layer.tar"));
    }

    static byte[] withConfig(String config) {
        return new TarBuilder().file("layer.tar", LAYER).file("config.json", config).file("manifest.json", manifest("config.json", "layer.tar")).build();
    }

    @Test
    void theValidBaseArchiveLoads() throws Exception {
        // proves the hostile variants below fail for their one defect, not for the rest
        HttpResponse<String> r = load(valid().build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("Loaded image: hostile/x:1");
        assertThat(docker.run("rmi", "hostile/x:1").ok().stdout()).contains("Deleted:");
    }

    @Test
    void pathsThatClimbOutAreRejected() throws Exception {
        Path target = dir.resolve("escaped-dotdot");
        String climb = "../".repeat(40) + target.toString().substring(1);
        rejected(valid().file(climb, "pwned").build(), "climbs out of the archive");
        assertThat(target).doesNotExist();
    }

    @Test
    void absolutePathsAreRejected() throws Exception {
        Path target = dir.resolve("escaped-absolute");
        rejected(valid().file(target.toString(), "pwned").build(), "absolute path");
        assertThat(target).doesNotExist();
    }

    @Test
    void writesThroughASymlinkPointingOutAreRejected() throws Exception {
        Files.createDirectories(dir.resolve("outside"));
        rejected(valid().symlink("evil", dir.resolve("outside").toString()).file("evil/pwned", "pwned").build(), "symlink evil");
        rejected(valid().symlink("evil", "../../../../../../../../../../" + dir.resolve("outside").toString().substring(1))
                .file("evil/pwned", "pwned").build(), "climbs out");
        // even a symlink that stays inside may not be written through
        rejected(valid().dir("inside").symlink("alias", "inside").file("alias/pwned", "pwned").build(), "through symlink alias");
        try (Stream<Path> s = Files.list(dir.resolve("outside"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void linksToOutsideAreRejected() throws Exception {
        rejected(new TarBuilder().symlink("layer.tar", "../../../../etc/passwd").file("config.json", config(DIFF_ID))
                .file("manifest.json", manifest("config.json", "layer.tar")).build(), "climbs out");
        rejected(valid().hardlink("passwd", "../../etc/passwd").build(), "climbs out");
        rejected(valid().hardlink("copy", "nowhere").build(), "hard link copy to missing");
    }

    @Test
    void duplicateEntriesAreRejected() throws Exception {
        rejected(valid().file("manifest.json", manifest("config.json", "layer.tar")).build(), "duplicate entry manifest.json");
        rejected(valid().file("./layer.tar", LAYER).build(), "duplicate entry ./layer.tar");
    }

    @Test
    void missingEntriesAreRejected() throws Exception {
        rejected(new TarBuilder().file("config.json", config(DIFF_ID)).file("manifest.json", manifest("config.json", "layer.tar")).build(),
                "layer.tar is referenced but not in the archive");
        rejected(new TarBuilder().file("layer.tar", LAYER).file("manifest.json", manifest("config.json", "layer.tar")).build(),
                "config.json is referenced but not in the archive");
        rejected(new TarBuilder().file("layer.tar", LAYER).build(), "no manifest.json");
    }

    @Test
    void configsWhoseDiffIdsDoNotMatchTheLayersAreRejected() throws Exception {
        String other = "sha256:" + sha256("something else".getBytes(StandardCharsets.UTF_8));
        rejected(withConfig(config(other)), "has diff ID " + DIFF_ID + " but the config");
        rejected(withConfig(config(DIFF_ID, other)), "config lists 2 diff IDs but the manifest 1 layers");
    }

    @Test
    void truncatedAndEnormousHeadersAreRejected() throws Exception {
        byte[] good = valid().build();
        rejected(java.util.Arrays.copyOf(good, 3000), "invalid archive");
        rejected(java.util.Arrays.copyOf(good, 700), "invalid archive");
        rejected(valid().pax("path", "x".repeat(100_000)).file("short", "long").build(), "entry name longer than");
        // a PAX header of 8 MiB is stopped before commons-compress buffers it whole
        rejected(valid().pax("path", "x".repeat(8 << 20)).file("short", "long").build(), "tar header larger than");
        // a header that promises a terabyte which never comes
        TarArchiveEntry e = new TarArchiveEntry("huge.tar");
        e.setSize(1L << 40);
        byte[] header = new byte[512];
        e.writeEntryHeader(header, org.apache.commons.compress.archivers.zip.ZipEncodingHelper.getZipEncoding("UTF-8"), true);
        byte[] huge = new byte[512 + 4096];
        System.arraycopy(header, 0, huge, 0, 512);
        rejected(huge, "invalid archive");
    }

    @Test
    void invalidJsonIsRejected() throws Exception {
        rejected(new TarBuilder().file("layer.tar", LAYER).file("config.json", config(DIFF_ID)).file("manifest.json", "[{\"Config\":").build(),
                "manifest.json is not valid JSON");
        rejected(new TarBuilder().file("layer.tar", LAYER).file("config.json", "{not json").file("manifest.json", manifest("config.json", "layer.tar")).build(),
                "invalid image config");
        rejected(new TarBuilder().file("manifest.json", "{\"not\":\"an array\"}").build(), "manifest.json is not a JSON array");
        rejected(new TarBuilder().file("index.json", "{\"manifests\":[{\"digest\":\"sha256:nothex\"}]}").build(), "bad descriptor");
        rejected(new TarBuilder().file("layer.tar", LAYER).file("config.json", config(DIFF_ID))
                .file("manifest.json", "[{\"Config\":\"config.json\",\"RepoTags\":[\"Bad Name!\"],\"Layers\":[\"layer.tar\"]}]").build(), "invalid reference");
    }

    @Test
    void hostileLayerContentIsRejected() throws Exception {
        byte[] layer = new TarBuilder().file("../../escape-from-layer", "pwned").build();
        rejected(new TarBuilder().file("layer.tar", layer).file("config.json", config("sha256:" + sha256(layer)))
                .file("manifest.json", manifest("config.json", "layer.tar")).build(), "climbs out of the layer");
    }

    @Test
    void garbageAndEmptyInputAreRejected() throws Exception {
        rejected("this is not a tar\n".getBytes(StandardCharsets.UTF_8), "invalid archive");
        rejected(new byte[0], "invalid archive");
    }

    @Test
    void theDockerCliShowsTheError() throws Exception {
        Path f = dir.resolve("climb.tar");
        Files.write(f, valid().file("../../x", "pwned").build());
        Map<String, String> before = snapshot();
        DockerCli.Result r = docker.run("load", "-i", f.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        // the error comes inside the stream, so the CLI prints it without "Error response from daemon: " (as dockerd's)
        assertThat(r.stderr()).contains("invalid archive: path ../../x climbs out of the archive")
                .doesNotContain("Error response from daemon");
        assertThat(snapshot()).isEqualTo(before);
    }

    /** Sends the archive, expects an in-stream error naming the defect, and checks the store did not change at all. */
    private void rejected(byte[] archive, String messagePart) throws Exception {
        Map<String, String> before = snapshot();
        String imagesBefore = docker.run("images", "-a", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}").ok().stdout();
        HttpResponse<String> r = load(archive);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body().strip().lines()).as("one error message, nothing loaded").hasSize(1);
        JsonNode body = json.readTree(r.body());
        assertThat(body.path("error").asText()).contains(messagePart);
        assertThat(body.path("errorDetail").path("message").asText()).isEqualTo(body.path("error").asText());
        assertThat(snapshot()).isEqualTo(before);
        assertThat(docker.run("images", "-a", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}").ok().stdout()).isEqualTo(imagesBefore);
        try (Stream<Path> s = Files.list(imaged.dataRoot().resolve("blobs/tmp"))) {
            assertThat(s).as("load temp files are removed").isEmpty();
        }
    }

    private static HttpResponse<String> load(byte[] archive) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl() + "/v1.50/images/load?quiet=1"))
                .header("Content-Type", "application/x-tar").POST(HttpRequest.BodyPublishers.ofByteArray(archive)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Every file of the data root (but the socket and temp dir) with its content hash. */
    private static Map<String, String> snapshot() throws IOException {
        Map<String, String> out = new TreeMap<>();
        Path root = imaged.dataRoot();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = root.relativize(p).toString();
                if (rel.equals("imaged.sock") || rel.startsWith("blobs/tmp")) continue;
                out.put(rel, sha256(Files.readAllBytes(p)));
            }
        }
        return out;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
