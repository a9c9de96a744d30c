package io.imaged.e2e;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.command.PullImageResultCallback;
import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.TestImages.Compression;
import io.imaged.testsupport.TestImages.Entry;
import io.imaged.testsupport.TestImages.Layer;
import io.imaged.testsupport.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.imaged.testsupport.TestImages.SMALL_DIFF_IDS;
import static io.imaged.testsupport.TestImages.SMALL_IMAGE_ID;
import static io.imaged.testsupport.TestImages.SMALL_MANIFEST_DIGEST;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker pull through imaged from a real docker-registry, compared with what dockerd 20.10 printed and reported
 * for the same image (docs/reference/dockerd-registry-commands.md).
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
@ImagedTest
class PullCliIT {
    @Registry
    static RegistryProcess registry;
    @Imaged(args = {"--imaged.registry.mirrors=${registry.url}", "--imaged.registry.docker-io-upstream=http://127.0.0.1:1"})
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;
    static RegistrySeeder seeder;
    static String host;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        host = registry.host();
        seeder = new RegistrySeeder(registry.url());
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void pullShowsDockerdsProgressAndStoresTheSameImage() throws Exception {
        TestImages.pushSmall(seeder, "test/small", "1", "2", "base");
        String ref = host + "/test/small:1";
        DockerCli.Result first = docker.run("pull", ref).ok();
        List<String> lines = first.lines();
        assertThat(lines.get(0)).isEqualTo("1: Pulling from test/small");
        for (String blob : TestImages.SMALL_LAYER_BLOBS) {
            String id = blob.substring(0, 12);
            assertThat(lines).contains(id + ": Pulling fs layer", id + ": Verifying Checksum", id + ": Download complete",
                    id + ": Pull complete");
            assertThat(lines.indexOf(id + ": Pulling fs layer")).isLessThan(lines.indexOf(id + ": Download complete"));
            assertThat(lines.indexOf(id + ": Download complete")).isLessThan(lines.indexOf(id + ": Pull complete"));
        }
        // Pull complete in layer order, as dockerd registers layers
        assertThat(lines.stream().filter(l -> l.endsWith(": Pull complete")).toList()).containsExactly(
                "c50cb82cfb01: Pull complete", "676e6a198f77: Pull complete", "9d7e88958bb3: Pull complete");
        assertThat(lines.subList(lines.size() - 3, lines.size())).containsExactly(
                "Digest: " + SMALL_MANIFEST_DIGEST,
                "Status: Downloaded newer image for " + ref,
                ref);

        String until = String.valueOf(System.currentTimeMillis() / 1000 + 1);
        assertThat(docker.run("events", "--since", "0", "--until", until, "--filter", "event=pull", "--format",
                "{{.Type}} {{.Action}} {{.Actor.ID}} {{json .Actor.Attributes}}").ok().lines()).containsExactly(
                "image pull " + ref + " {\"name\":\"" + host + "/test/small\",\"org.example.layers\":\"3\"}");

        assertThat(docker.run("pull", ref).ok().lines()).containsExactly(
                "1: Pulling from test/small",
                "Digest: " + SMALL_MANIFEST_DIGEST,
                "Status: Image is up to date for " + ref,
                ref);

        // the values dockerd reported for this very image
        String inspect = docker.run("image", "inspect", ref, "--format",
                "{{.Id}}|{{json .RepoTags}}|{{json .RepoDigests}}|{{.Size}}|{{json .RootFS.Layers}}").ok().stdout().trim();
        assertThat(inspect).isEqualTo(SMALL_IMAGE_ID + "|[\"" + ref + "\"]|[\"" + host + "/test/small@" + SMALL_MANIFEST_DIGEST
                + "\"]|67|[\"" + String.join("\",\"", SMALL_DIFF_IDS) + "\"]");
        assertThat(docker.run("history", ref, "--format", "{{.ID}} {{.Size}}").ok().lines()).containsExactly(
                "2f3d47ab14a5 0B", "<missing> 0B", "<missing> 12B", "<missing> 10B", "<missing> 45B");

        // by digest: already there
        String byDigest = host + "/test/small@" + SMALL_MANIFEST_DIGEST;
        assertThat(docker.run("pull", byDigest).ok().lines()).containsExactly(
                byDigest + ": Pulling from test/small",
                "Digest: " + SMALL_MANIFEST_DIGEST,
                "Status: Image is up to date for " + byDigest,
                byDigest);

        // all tags, in the registry's order
        List<String> tags = List.of(http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/v2/test/small/tags/list")).build(),
                HttpResponse.BodyHandlers.ofString()).body().replaceAll(".*\"tags\":\\[(.*)\\].*", "$1").replace("\"", "").trim().split(","));
        List<String> all = docker.run("pull", "-a", host + "/test/small").ok().lines();
        List<String> expected = new java.util.ArrayList<>();
        for (String t : tags) {
            expected.add(t + ": Pulling from test/small");
            expected.add("Digest: " + SMALL_MANIFEST_DIGEST);
        }
        expected.add("Status: Downloaded newer image for " + host + "/test/small");
        expected.add(host + "/test/small");
        assertThat(all).containsExactlyElementsOf(expected);
        assertThat(docker.run("images", "--format", "{{.Tag}} {{.ID}}", host + "/test/small").ok().lines())
                .containsExactlyInAnyOrder("1 2f3d47ab14a5", "2 2f3d47ab14a5", "base 2f3d47ab14a5");

        // the distribution endpoint, as in the transcript
        HttpResponse<String> dist = http.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl() + "/distribution/" + ref + "/json"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(dist.statusCode()).isEqualTo(200);
        assertThat(dist.body()).isEqualTo("{\"Descriptor\":{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                + "\"digest\":\"" + SMALL_MANIFEST_DIGEST + "\",\"size\":938},\"Platforms\":[{\"architecture\":\"amd64\",\"os\":\"linux\"}]}\n");
        HttpResponse<String> noDist = http.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl() + "/distribution/" + host
                + "/test/small:nope/json")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noDist.statusCode()).isEqualTo(404);
        assertThat(noDist.body()).isEqualTo("{\"message\":\"manifest unknown: manifest unknown\"}\n");

        // search: the registry's catalog, filtered by the term
        assertThat(docker.run("search", "--format", "{{.Name}}", host + "/small").ok().lines()).containsExactly(host + "/test/small");
    }

    @Test
    void pullErrorsAreDockerdsHttpErrors() throws Exception {
        DockerCli.Result missing = docker.run("pull", host + "/test/small:nonexistent");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr().trim()).isEqualTo("Error response from daemon: manifest for " + host
                + "/test/small:nonexistent not found: manifest unknown: manifest unknown");

        int closed = io.imaged.testsupport.Ports.free();
        DockerCli.Result unreachable = docker.run("pull", "127.0.0.1:" + closed + "/test/small:1");
        assertThat(unreachable.exitCode()).isEqualTo(1);
        assertThat(unreachable.stderr().trim()).isEqualTo("Error response from daemon: Get \"http://127.0.0.1:" + closed
                + "/v2/\": dial tcp 127.0.0.1:" + closed + ": connect: connection refused");

        HttpResponse<String> upper = http.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl()
                + "/images/create?fromImage=" + host + "/Test/Small&tag=1")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(upper.statusCode()).isEqualTo(400);
        assertThat(upper.body()).isEqualTo("{\"message\":\"invalid reference format: repository name must be lowercase\"}\n");
        assertThat(docker.run("images", "-q", host + "/test/small:nonexistent").ok().stdout()).isEmpty();
    }

    @Test
    void multiArchIndexesOciZstdAndUncompressedLayersAndDockerIoMirror() throws Exception {
        // a Docker manifest list with two platforms
        Layer base = TestImages.layer(Map.of("etc/os", "multi\n"), Compression.GZIP);
        byte[] amdCfg = TestImages.config(List.of(base), "linux", "amd64", null, "amd64");
        byte[] armCfg = TestImages.config(List.of(base), "linux", "arm64", "v8", "arm64");
        byte[] amd = TestImages.manifest(seeder, "multi/app", amdCfg, List.of(base), false);
        byte[] arm = TestImages.manifest(seeder, "multi/app", armCfg, List.of(base), false);
        seeder.manifest("multi/app", RegistrySeeder.sha256(amd), TestImages.DOCKER_MANIFEST, amd);
        seeder.manifest("multi/app", RegistrySeeder.sha256(arm), TestImages.DOCKER_MANIFEST, arm);
        byte[] list = TestImages.index(List.of(new Entry(amd, TestImages.DOCKER_MANIFEST, "linux", "amd64", null),
                new Entry(arm, TestImages.DOCKER_MANIFEST, "linux", "arm64", "v8")), false);
        String listDigest = seeder.manifest("multi/app", "1", TestImages.DOCKER_LIST, list);

        String hostArch = System.getProperty("os.arch").contains("aarch64") ? "arm64" : "amd64";
        String ref = host + "/multi/app:1";
        docker.run("pull", ref).ok();
        assertThat(label(ref)).isEqualTo(hostArch);
        assertThat(docker.run("image", "inspect", ref, "--format", "{{json .RepoDigests}}").ok().stdout().trim())
                .isEqualTo("[\"" + host + "/multi/app@" + listDigest + "\"]");
        docker.run("rmi", ref).ok();
        DockerCli.Result arm64 = docker.run("pull", "--platform", "linux/arm64", ref).ok();
        assertThat(arm64.lines()).contains("Digest: " + listDigest);
        assertThat(label(ref)).isEqualTo("arm64");
        assertThat(docker.run("image", "inspect", ref, "--format", "{{.Architecture}} {{.Id}}").ok().stdout().trim())
                .isEqualTo("arm64 " + RegistrySeeder.sha256(armCfg));

        DockerCli.Result none = docker.run("pull", "--platform", "linux/s390x", ref);
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.stderr()).contains("no matching manifest for linux/s390x in the manifest list entries");

        // an OCI index whose image has zstd, gzip and uncompressed layers
        Layer z = TestImages.layer(Map.of("z/file", "zstd layer\n"), Compression.ZSTD);
        Layer g = TestImages.layer(Map.of("g/file", "gzip layer\n"), Compression.GZIP);
        Layer n = TestImages.layer(Map.of("n/file", "plain layer\n"), Compression.NONE);
        byte[] ociCfg = TestImages.config(List.of(z, g, n), "linux", hostArch, null, "oci");
        byte[] ociManifest = TestImages.manifest(seeder, "oci/app", ociCfg, List.of(z, g, n), true);
        seeder.manifest("oci/app", RegistrySeeder.sha256(ociManifest), TestImages.OCI_MANIFEST, ociManifest);
        byte[] ociIndex = TestImages.index(List.of(new Entry(ociManifest, TestImages.OCI_MANIFEST, "linux", hostArch, null)), true);
        String indexDigest = seeder.manifest("oci/app", "v1", TestImages.OCI_INDEX, ociIndex);
        String ociRef = host + "/oci/app:v1";
        assertThat(docker.run("pull", ociRef).ok().lines()).contains("Digest: " + indexDigest);
        assertThat(docker.run("image", "inspect", ociRef, "--format", "{{.Id}} {{json .RootFS.Layers}} {{.Size}}").ok().stdout().trim())
                .isEqualTo(RegistrySeeder.sha256(ociCfg) + " [\"" + z.diffId() + "\",\"" + g.diffId() + "\",\"" + n.diffId() + "\"] "
                        + ("zstd layer\n".length() + "gzip layer\n".length() + "plain layer\n".length()));

        // docker.io names go through the configured mirror (the upstream here is a closed port)
        TestImages.pushSmall(seeder, "library/mirrored", "latest");
        List<String> mirrored = docker.run("pull", "mirrored").ok().lines();
        assertThat(mirrored.subList(0, 2)).containsExactly("Using default tag: latest", "latest: Pulling from library/mirrored");
        assertThat(mirrored.subList(mirrored.size() - 2, mirrored.size()))
                .containsExactly("Status: Downloaded newer image for mirrored:latest", "docker.io/library/mirrored:latest");
        assertThat(docker.run("image", "inspect", "mirrored", "--format", "{{json .RepoDigests}}").ok().stdout())
                .contains("\"mirrored@" + SMALL_MANIFEST_DIGEST + "\"");
    }

    @Test
    void layersBeyondTheDownloadLimitSayWaitingInOrder() throws Exception {
        List<Layer> layers = new java.util.ArrayList<>();
        for (int i = 1; i <= 5; i++) layers.add(TestImages.layer(Map.of("w/" + i, "layer " + i + "\n"), Compression.GZIP));
        byte[] cfg = TestImages.config(layers, "linux", "amd64", null, "waiting");
        seeder.manifest("wait/app", "1", TestImages.DOCKER_MANIFEST, TestImages.manifest(seeder, "wait/app", cfg, layers, false));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl() + "/images/create?fromImage="
                + host + "/wait/app&tag=1")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> ids = layers.stream().map(l -> RegistrySeeder.sha256(l.blob()).substring(7, 19)).toList();
        List<String> waiting = r.body().lines().filter(l -> l.contains("\"status\":\"Waiting\""))
                .map(l -> l.replaceAll(".*\"id\":\"([0-9a-f]{12})\".*", "$1")).toList();
        // the default limit is 3 layers at once: the 4th and 5th queue, in layer order
        assertThat(waiting).containsExactly(ids.get(3), ids.get(4));
        assertThat(r.body()).contains("\"status\":\"Status: Downloaded newer image for " + host + "/wait/app:1\"");
        assertThat(docker.run("image", "inspect", "--format", "{{.Id}}", host + "/wait/app:1").ok().stdout().trim())
                .isEqualTo(RegistrySeeder.sha256(cfg));
    }

    @Test
    void dockerJavaPulls(@Cli DockerClient client) throws Exception {
        Layer l = TestImages.layer(Map.of("java/file", "docker-java\n"), Compression.GZIP);
        byte[] cfg = TestImages.config(List.of(l), "linux", "amd64", null, "java");
        seeder.manifest("java/app", "7", TestImages.DOCKER_MANIFEST, TestImages.manifest(seeder, "java/app", cfg, List.of(l), false));
        boolean done = client.pullImageCmd(host + "/java/app").withTag("7").exec(new PullImageResultCallback())
                .awaitCompletion(60, TimeUnit.SECONDS);
        assertThat(done).isTrue();
        InspectImageResponse img = client.inspectImageCmd(host + "/java/app:7").exec();
        assertThat(img.getId()).isEqualTo(RegistrySeeder.sha256(cfg));
        assertThat(img.getRepoTags()).containsExactly(host + "/java/app:7");
    }

    private static String label(String ref) {
        return docker.run("image", "inspect", ref, "--format", "{{index .Config.Labels \"test\"}}").ok().stdout().trim();
    }

    static Path partials() {
        return imaged.dataRoot().resolve("partials");
    }

    static boolean noPartials() throws Exception {
        try (var s = Files.list(partials())) {
            return s.noneMatch(p -> p.toString().endsWith(".part"));
        }
    }
}
