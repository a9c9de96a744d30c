package io.imaged.e2e;

import com.github.dockerjava.api.DockerClient;
import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Tars;
import io.imaged.testsupport.WorkDir;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.CompressorStreamFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docker save} / {@code docker load} with the real docker CLI (and docker-java) against the packaged imaged,
 * using the archives real dockerd 20.10, skopeo and podman wrote (src/test/resources/archives, see its README for
 * what dockerd answered for each).
 */
@ImagedTest
class ArchiveCliIT {
    static final Path ARCHIVES = Path.of("src/test/resources/archives");
    static final String ALPHA = "sha256:f2ed8848fa003d892eb727551b823b89079c370ad98eadc1722272f6326a7152";
    static final String BETA = "sha256:cf325cdf65562b38ed59263f5de4ba5f7df444244ce1a1c90398094ae0173e13";
    static final String SMALL = "sha256:2f3d47ab14a55e02b2bdd3629c5ec8f36d44b26d3b9cb66f36eed0c13d838922";
    static final String SMALL_OCI = "sha256:9a895c7dff1bc7292688111fafb21e8f80dd015ccf9df50cbc2bc7e52923d891";
    static final List<String> SMALL_DIFF_IDS = List.of(
            "sha256:3be04c68fc6cddb87d3c58deec5b94a4b4c31507f2680e22ce74ae84193f9c6b",
            "sha256:18234d0e536fcca0e61973f9dfe1b97d5eb5e6123ccff85f727e4d09f8d008aa",
            "sha256:d079be59801bdcbac2016105f77fd8177337f19ace9af83fc16fa16a8cdc4319");
    static final List<String> DOCKERD_LOAD_OUTPUT = List.of(
            "Loaded image: archive/alpha:1", "Loaded image: archive/alpha:latest", "Loaded image: archive/beta:1");

    @WorkDir
    static Path dir;
    @Imaged
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;

    @BeforeEach
    void empty() {
        List<String> ids = docker.run("images", "-aq", "--no-trunc").ok().lines().stream().distinct().toList();
        if (!ids.isEmpty()) {
            List<String> args = new ArrayList<>(List.of("rmi", "-f"));
            args.addAll(ids);
            docker.run(args.toArray(String[]::new)).ok();
        }
    }

    private List<String> images() {
        return docker.run("images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}").ok().lines();
    }

    @Test
    void loadsDockerd2010ArchiveWithTheIdsAndTagsDockerdGot() {
        assertThat(docker.run("load", "-i", ARCHIVES.resolve("dockerd-20.10-save.tar").toString()).ok().lines())
                .containsExactlyElementsOf(DOCKERD_LOAD_OUTPUT);
        assertThat(images()).containsExactlyInAnyOrder("archive/alpha:1 " + ALPHA + " 45B",
                "archive/alpha:latest " + ALPHA + " 45B", "archive/beta:1 " + BETA + " 20B");
        // loading again changes nothing and says the same, quiet or not
        assertThat(docker.run("load", "-q", "-i", ARCHIVES.resolve("dockerd-20.10-save.tar").toString()).ok().lines())
                .containsExactlyElementsOf(DOCKERD_LOAD_OUTPUT);
        assertThat(images()).hasSize(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {CompressorStreamFactory.GZIP, CompressorStreamFactory.BZIP2, CompressorStreamFactory.XZ,
            CompressorStreamFactory.ZSTANDARD})
    void loadsCompressedArchivesFromStdin(String compressor) throws Exception {
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        try (OutputStream out = new CompressorStreamFactory().createCompressorOutputStream(compressor, packed)) {
            Files.copy(ARCHIVES.resolve("dockerd-20.10-save.tar"), out);
        }
        assertThat(docker.run(new ByteArrayInputStream(packed.toByteArray()), "load").ok().lines())
                .containsExactlyElementsOf(DOCKERD_LOAD_OUTPUT);
        assertThat(docker.run("image", "inspect", "--format", "{{.Id}}", "archive/beta:1").ok().stdout().trim()).isEqualTo(BETA);
    }

    @Test
    void loadsSkopeoAndPodmanDockerArchives() {
        assertThat(docker.run("load", "-i", ARCHIVES.resolve("skopeo-docker-archive.tar").toString()).ok().lines())
                .containsExactly("Loaded image: test/small:1");
        assertThat(docker.run("load", "-i", ARCHIVES.resolve("podman-docker-archive.tar").toString()).ok().lines())
                .containsExactly("Loaded image: 127.0.0.1:5000/test/small:1");
        assertThat(images()).containsExactlyInAnyOrder("test/small:1 " + SMALL + " 67B", "127.0.0.1:5000/test/small:1 " + SMALL + " 67B");
        assertThat(diffIds("test/small:1")).isEqualTo(SMALL_DIFF_IDS);
    }

    /** dockerd 20.10 cannot load OCI layouts; Docker 25+ can, and so does imaged: the OCI config is the image. */
    @Test
    void loadsSkopeoAndPodmanOciArchives() {
        assertThat(docker.run("load", "-i", ARCHIVES.resolve("skopeo-oci-archive.tar").toString()).ok().lines())
                .containsExactly("Loaded image: test/small:1");
        assertThat(docker.run("load", "-i", ARCHIVES.resolve("podman-oci-archive.tar").toString()).ok().lines())
                .containsExactly("Loaded image: 127.0.0.1:5000/test/small:1");
        assertThat(images()).containsExactlyInAnyOrder("test/small:1 " + SMALL_OCI + " 67B",
                "127.0.0.1:5000/test/small:1 " + SMALL_OCI + " 67B");
        assertThat(diffIds("127.0.0.1:5000/test/small:1")).isEqualTo(SMALL_DIFF_IDS);
    }

    @Test
    void aTagThatMovesIsReportedAsDockerdReportsIt() {
        byte[] tar = Tars.of(Map.of("other.txt", "other\n"));
        String old = docker.run(new ByteArrayInputStream(tar), "import", "-", "archive/alpha:1").ok().stdout().trim();
        assertThat(docker.run("load", "-q", "-i", ARCHIVES.resolve("dockerd-20.10-save.tar").toString()).ok().lines()).containsExactly(
                "The image archive/alpha:1 already exists, renaming the old one with ID " + old + " to empty string",
                "Loaded image: archive/alpha:1", "Loaded image: archive/alpha:latest", "Loaded image: archive/beta:1");
        assertThat(images()).contains("<none>:<none> " + old + " 6B", "archive/alpha:1 " + ALPHA + " 45B");
    }

    @Test
    void saveThenLoadKeepsIdsAndTagsAndWritesSharedLayersOnce() throws Exception {
        docker.run("load", "-i", ARCHIVES.resolve("dockerd-20.10-save.tar").toString()).ok();
        docker.run("load", "-i", ARCHIVES.resolve("skopeo-docker-archive.tar").toString()).ok();
        List<String> before = images();
        Path saved = dir.resolve("imgs.tar");
        // a bare repository name saves all its tags, as dockerd does
        docker.run("save", "-o", saved.toString(), "archive/alpha", "archive/beta:1", "test/small:1").ok();

        Map<String, byte[]> entries = readTar(Files.readAllBytes(saved));
        assertThat(entries).containsKeys("index.json", "manifest.json", "repositories", "oci-layout",
                "blobs/sha256/" + ALPHA.substring(7), "blobs/sha256/" + SMALL.substring(7));
        // archive/alpha and test/small share their first layer: it is written once
        assertThat(entries.keySet().stream().filter(n -> n.endsWith(SMALL_DIFF_IDS.get(0).substring(7)))).hasSize(1);
        String manifest = new String(entries.get("manifest.json"), StandardCharsets.UTF_8);
        assertThat(manifest).contains("\"RepoTags\":[\"archive/alpha:1\",\"archive/alpha:latest\"]", "\"RepoTags\":[\"test/small:1\"]");
        assertThat(new String(entries.get("index.json"), StandardCharsets.UTF_8))
                .contains("\"io.containerd.image.name\":\"docker.io/archive/alpha:latest\"", "\"org.opencontainers.image.ref.name\":\"latest\"");

        empty();
        assertThat(docker.run("load", "-i", saved.toString()).ok().lines()).containsExactly(
                "Loaded image: archive/alpha:1", "Loaded image: archive/alpha:latest", "Loaded image: archive/beta:1",
                "Loaded image: test/small:1");
        assertThat(images()).containsExactlyInAnyOrderElementsOf(before);
    }

    @Test
    void savePipedThroughGzipLoadsBack() throws Exception {
        docker.run("load", "-i", ARCHIVES.resolve("podman-docker-archive.tar").toString()).ok();
        byte[] tar = docker.runBytes("save", "127.0.0.1:5000/test/small:1");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(tar);
        }
        Path tgz = dir.resolve("b.tgz");
        Files.write(tgz, gz.toByteArray());
        empty();
        assertThat(docker.run("load", "-i", tgz.toString()).ok().lines()).containsExactly("Loaded image: 127.0.0.1:5000/test/small:1");
        assertThat(images()).containsExactly("127.0.0.1:5000/test/small:1 " + SMALL + " 67B");
    }

    @Test
    void savingByIdLoadsBackAsAnUntaggedImage() {
        docker.run("load", "-i", ARCHIVES.resolve("dockerd-20.10-save.tar").toString()).ok();
        Path saved = dir.resolve("by-id.tar");
        docker.run("save", "-o", saved.toString(), BETA.substring(7, 19)).ok();
        empty();
        assertThat(docker.run("load", "-i", saved.toString()).ok().lines()).containsExactly("Loaded image ID: " + BETA);
        assertThat(images()).containsExactly("<none>:<none> " + BETA + " 20B");
    }

    @Test
    void saveOfAMissingImageIsANotFound() {
        DockerCli.Result r = docker.run("save", "-o", dir.resolve("none.tar").toString(), "nosuch/image:1");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).contains("No such image: nosuch/image:1");
    }

    @Test
    void theRawApiSavesSeveralNamesAndHonoursPlatform() throws Exception {
        docker.run("load", "-i", ARCHIVES.resolve("dockerd-20.10-save.tar").toString()).ok();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpResponse<byte[]> r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                imaged.tcpUrl() + "/v1.50/images/get?names=archive/alpha:1&names=archive/beta:1")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-tar");
        assertThat(new String(readTar(r.body()).get("manifest.json"), StandardCharsets.UTF_8))
                .contains("\"RepoTags\":[\"archive/alpha:1\"]", "\"RepoTags\":[\"archive/beta:1\"]");

        String arm = java.net.URLEncoder.encode("{\"os\":\"linux\",\"architecture\":\"arm64\"}", StandardCharsets.UTF_8);
        java.net.http.HttpResponse<String> wrong = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                imaged.tcpUrl() + "/v1.50/images/archive%2Fbeta:1/get?platform=" + arm)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(404);
        assertThat(wrong.body()).contains("does not provide the specified platform (linux/arm64)");
        String amd = java.net.URLEncoder.encode("{\"os\":\"linux\",\"architecture\":\"amd64\"}", StandardCharsets.UTF_8);
        assertThat(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                imaged.tcpUrl() + "/v1.50/images/archive%2Fbeta:1/get?platform=" + amd)).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    }

    @Test
    void dockerJavaSavesAndLoads(@Cli DockerClient client) throws Exception {
        docker.run("load", "-i", ARCHIVES.resolve("dockerd-20.10-save.tar").toString()).ok();
        byte[] tar;
        try (InputStream in = client.saveImageCmd("archive/beta").withTag("1").exec()) {
            tar = in.readAllBytes();
        }
        assertThat(readTar(tar)).containsKey("manifest.json");
        empty();
        client.loadImageCmd(new ByteArrayInputStream(tar)).exec();
        assertThat(client.inspectImageCmd("archive/beta:1").exec().getId()).isEqualTo(BETA);
    }

    private List<String> diffIds(String image) {
        String out = docker.run("image", "inspect", "--format", "{{range .RootFS.Layers}}{{println .}}{{end}}", image).ok().stdout();
        return out.lines().filter(s -> !s.isBlank()).toList();
    }

    static Map<String, byte[]> readTar(byte[] tar) throws Exception {
        Map<String, byte[]> out = new java.util.LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (out.put(e.getName(), in.readAllBytes()) != null) throw new AssertionError("duplicate entry " + e.getName());
            }
        }
        return out;
    }
}
