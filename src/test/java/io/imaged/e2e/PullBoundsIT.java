package io.imaged.e2e;

import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.FaultProxy.Kind;
import io.imaged.testsupport.FaultProxy;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Proxy;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 8, item 10: a registry that ignores {@code Range} and cuts every answer no longer makes a pull resume
 * forever, and a layer whose declared size is beyond {@code imaged.registry.max-layer-bytes} is refused before any
 * blob is requested. The real docker CLI and a real docker-registry behind an in-test lying proxy.
 */
@ImagedTest
class PullBoundsIT {
    @Registry
    static RegistryProcess registry;
    @Proxy
    static FaultProxy proxy;
    // max-attempts stays at its default (5): the bound on restarts from zero is what ends the pull
    @Imaged(args = {"--imaged.registry.retry-backoff=50ms", "--imaged.registry.read-timeout=5s"})
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;
    static RegistrySeeder seeder;
    static int counter;

    @BeforeAll
    static void start() {
        seeder = new RegistrySeeder(registry.url());
    }

    /** A two-layer image whose first layer is a 1 MB incompressible blob; [manifest JSON, config digest, big blob digest]. */
    private static String[] seed(String repo) throws Exception {
        TestImages.NoisyImage img = TestImages.noisyImage(seeder, repo, ++counter);
        return new String[]{new String(img.manifest(), StandardCharsets.UTF_8), img.configDigest(), img.bigBlobDigest(),
                String.valueOf(img.bigBlobSize())};
    }

    private static List<String> blobGets(String repo, String digest) {
        return proxy.requests().stream().filter(l -> l.startsWith("GET /v2/" + repo + "/blobs/" + digest)).toList();
    }

    private static List<Path> partials() throws Exception {
        Path dirOfPartials = imaged.dataRoot().resolve("partials");
        if (!Files.isDirectory(dirOfPartials)) return List.of();
        try (Stream<Path> s = Files.list(dirOfPartials)) {
            return s.toList();
        }
    }

    @Test
    void aRegistryThatIgnoresRangeAndCutsEveryAnswerEndsThePull() throws Exception {
        String repo = "bounds/norange";
        String[] img = seed(repo);
        seeder.manifest(repo, "1", TestImages.DOCKER_MANIFEST, img[0].getBytes(StandardCharsets.UTF_8));
        String ref = proxy.host() + "/" + repo + ":1";
        proxy.ignoreRange(FaultProxy.path("/blobs/" + img[2]))
                .add(FaultProxy.path("/blobs/" + img[2]), Kind.CUT, 0, 300_000, -1);
        List<String> before = docker.run("images", "-a", "--no-trunc", "-q").ok().lines();

        long t0 = System.nanoTime();
        DockerCli.Result r = docker.run("pull", ref);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr() + r.stdout()).contains("expected HTTP 206 from byte range request");
        // the first GET, then at most two restarts from byte 0; the third Range request answered 200 ends it
        List<String> gets = blobGets(repo, img[2]);
        assertThat(gets).hasSize(4);
        assertThat(gets.subList(1, 4)).allMatch(l -> l.matches(".* bytes=\\d+-"));
        assertThat(took).isLessThan(Duration.ofSeconds(60));

        // the store is as it was; what stays is at most the resumable partial of the cut blob (the resume rules)
        assertThat(docker.run("images", "-a", "--no-trunc", "-q").ok().lines()).isEqualTo(before);
        assertThat(docker.run("image", "inspect", ref).exitCode()).isEqualTo(1);
        for (Path p : partials()) {
            if (p.getFileName().toString().startsWith(img[2].substring(7))) {
                assertThat(Files.size(p)).isLessThanOrEqualTo(300_000);
            }
        }
        assertThat(imaged.logText()).doesNotContain(imaged.dataRoot().toString() + "/partials");
    }

    @Test
    void aRegistryThatIgnoresRangeButSendsTheWholeBlobIsRestartedFromZero() throws Exception {
        String repo = "bounds/restart";
        String[] img = seed(repo);
        seeder.manifest(repo, "1", TestImages.DOCKER_MANIFEST, img[0].getBytes(StandardCharsets.UTF_8));
        String ref = proxy.host() + "/" + repo + ":1";
        // cut once; the resume is answered with the whole blob, which is then taken from byte 0
        proxy.ignoreRange(FaultProxy.path("/blobs/" + img[2]))
                .add(FaultProxy.path("/blobs/" + img[2]), Kind.CUT, 0, 300_000, 1);
        docker.run("pull", ref).ok();
        assertThat(docker.run("image", "inspect", "--format", "{{.Id}}", ref).ok().stdout().trim()).isEqualTo(img[1]);
        List<String> gets = blobGets(repo, img[2]);
        assertThat(gets).hasSize(2);
        assertThat(gets.get(1)).matches(".* bytes=\\d+-");
    }

    @Test
    void aLayerDeclaredLargerThanTheCapIsRefusedBeforeAnyBlobRequest() throws Exception {
        String repo = "bounds/huge";
        String[] img = seed(repo);
        long tib = 1L << 40;
        String lying = img[0].replaceFirst("\"size\":" + img[3] + ",\"digest\":\"" + img[2] + "\"",
                "\"size\":" + tib + ",\"digest\":\"" + img[2] + "\"");
        assertThat(lying).contains(String.valueOf(tib));
        seeder.manifest(repo, "1", TestImages.DOCKER_MANIFEST, lying.getBytes(StandardCharsets.UTF_8));
        String ref = proxy.host() + "/" + repo + ":1";
        List<String> before = docker.run("images", "-a", "--no-trunc", "-q").ok().lines();

        DockerCli.Result r = docker.run("pull", ref);

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr() + r.stdout()).contains("layer " + img[2], "declares " + tib + " bytes",
                "imaged.registry.max-layer-bytes");
        // the manifest was read; no blob at all (not even the config) was asked for
        assertThat(proxy.requests()).anyMatch(l -> l.startsWith("GET /v2/" + repo + "/manifests/1"));
        assertThat(proxy.requests()).noneMatch(l -> l.contains("/v2/" + repo + "/blobs/"));
        assertThat(docker.run("images", "-a", "--no-trunc", "-q").ok().lines()).isEqualTo(before);
        assertThat(partials()).noneMatch(p -> p.getFileName().toString().startsWith(img[2].substring(7)));
    }
}
