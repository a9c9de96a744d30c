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
import io.imaged.testsupport.TestImages.Compression;
import io.imaged.testsupport.TestImages.Layer;
import io.imaged.testsupport.TestImages;
import io.imaged.testsupport.WorkDir;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pull through a fault-injecting proxy in front of a real docker-registry: retries on 5xx/429, a cut body resumed
 * with a Range request, a stalled body that times out and is resumed by the next pull, and a registry that lies
 * (wrong blob bytes, diff IDs that do not match the config) — after which nothing is visible.
 */
@ImagedTest
class PullResilienceIT {
    @WorkDir
    static Path dir;
    @Registry
    static RegistryProcess registry;
    @Proxy
    static FaultProxy proxy;
    @Imaged(args = {"--imaged.registry.retry-backoff=50ms", "--imaged.registry.read-timeout=2s", "--imaged.registry.max-attempts=3"})
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;
    static RegistrySeeder seeder;
    static int counter;

    @BeforeAll
    static void start() {
        seeder = new RegistrySeeder(registry.url());
    }

    /** A fresh two-layer image whose first layer is a 1 MB incompressible blob; returns [ref, config digest, big blob digest]. */
    private static String[] image(String repo) throws Exception {
        TestImages.NoisyImage img = TestImages.noisyImage(seeder, repo, ++counter);
        seeder.manifest(repo, "1", TestImages.DOCKER_MANIFEST, img.manifest());
        return new String[]{proxy.host() + "/" + repo + ":1", img.configDigest(), img.bigBlobDigest()};
    }

    private static String imageId(String ref) {
        DockerCli.Result r = docker.run("image", "inspect", "--format", "{{.Id}}", ref);
        return r.exitCode() == 0 ? r.stdout().trim() : null;
    }

    private static List<Path> partials(String suffix) throws Exception {
        try (Stream<Path> s = Files.list(imaged.dataRoot().resolve("partials"))) {
            return s.filter(p -> p.toString().endsWith(suffix)).toList();
        }
    }

    @Test
    void retriesServerErrorsAndRateLimits() throws Exception {
        String[] img = image("faults/retry");
        proxy.add(FaultProxy.path("/manifests/1"), Kind.STATUS, 500, 0, 1)
                .add(FaultProxy.path("/blobs/" + img[2]), Kind.STATUS, 429, 0, 1)
                .add(FaultProxy.path("/blobs/" + img[1]), Kind.STATUS, 503, 0, 1);
        DockerCli.Result r = docker.run("pull", img[0]).ok();
        assertThat(r.lines()).contains("Status: Downloaded newer image for " + img[0]);
        assertThat(imageId(img[0])).isEqualTo(img[1]);
        assertThat(proxy.requests().stream().filter(l -> l.equals("GET /v2/faults/retry/blobs/" + img[2])).count()).isEqualTo(2);
    }

    @Test
    void aCutDownloadResumesWithARangeRequest() throws Exception {
        String[] img = image("faults/cut");
        proxy.add(FaultProxy.path("/blobs/" + img[2]), Kind.CUT, 0, 400_000, 1);
        docker.run("pull", img[0]).ok();
        assertThat(imageId(img[0])).isEqualTo(img[1]);
        List<String> blobGets = proxy.requests().stream().filter(l -> l.startsWith("GET /v2/faults/cut/blobs/" + img[2])).toList();
        assertThat(blobGets).hasSize(2);
        assertThat(blobGets.get(1)).matches(".* bytes=\\d+-");
        long resumedAt = Long.parseLong(blobGets.get(1).replaceAll(".* bytes=(\\d+)-", "$1"));
        assertThat(resumedAt).isGreaterThan(0).isLessThanOrEqualTo(400_000);
        assertThat(partials(".part")).isEmpty();
    }

    @Test
    void aStalledDownloadFailsAndTheNextPullResumesWhereItStopped() throws Exception {
        String[] img = image("faults/stall");
        // the first response stalls after 300 kB, every resumption stalls at once
        proxy.add(FaultProxy.path("/blobs/" + img[2]), Kind.STALL, 0, 300_000, 1)
                .add(FaultProxy.path("/blobs/" + img[2]), Kind.STALL, 0, 0, -1);
        long t0 = System.nanoTime();
        DockerCli.Result failed = docker.run("pull", img[0]);
        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(failed.stderr()).contains("no data received for 2s");
        assertThat((System.nanoTime() - t0) / 1_000_000_000L).isLessThan(60);
        assertThat(imageId(img[0])).isNull();
        assertThat(docker.run("images", "-q").ok().stdout()).doesNotContain(img[1].substring(7, 19));
        List<Path> parts = partials(".part");
        assertThat(parts).hasSize(1);
        long kept = Files.size(parts.get(0));
        assertThat(kept).isGreaterThan(0);

        proxy.clearFaults();
        int before = proxy.requests().size();
        docker.run("pull", img[0]).ok();
        assertThat(imageId(img[0])).isEqualTo(img[1]);
        assertResumedFrom(proxy.requests().subList(before, proxy.requests().size()), "faults/stall", img[2], kept);
        assertThat(partials(".part")).isEmpty();
    }

    @Test
    void twoPullsOfTheSameLayerAtOnceFetchItOnce() throws Exception {
        String[] img = image("faults/shared");
        proxy.add(FaultProxy.path("/blobs/" + img[2]), Kind.DELAY, 0, 1500, -1);
        java.util.concurrent.CompletableFuture<DockerCli.Result> a = java.util.concurrent.CompletableFuture.supplyAsync(() -> docker.run("pull", img[0]));
        java.util.concurrent.CompletableFuture<DockerCli.Result> b = java.util.concurrent.CompletableFuture.supplyAsync(() -> docker.run("pull", img[0]));
        a.join().ok();
        b.join().ok();
        assertThat(imageId(img[0])).isEqualTo(img[1]);
        assertThat(proxy.requests().stream().filter(l -> l.startsWith("GET /v2/faults/shared/blobs/" + img[2])).count()).isEqualTo(1);
    }

    @Test
    void aCancelledPullKeepsItsPartialDownloadForTheNextPull() throws Exception {
        String[] img = image("faults/cancel");
        proxy.add(FaultProxy.path("/blobs/" + img[2]), Kind.STALL, 0, 200_000, 1)
                .add(FaultProxy.path("/blobs/" + img[2]), Kind.STALL, 0, 0, -1);
        Process client = docker.start(dir.resolve("cancelled-pull.out"), "pull", img[0]);
        Path part = imaged.dataRoot().resolve("partials").resolve(img[2].substring(7) + ".part");
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline && (!Files.exists(part) || Files.size(part) < 200_000)) {
            Thread.sleep(100);
        }
        client.destroy(); // the client goes away mid-download
        client.waitFor();
        assertThat(imageId(img[0])).isNull();
        // imaged stops, keeping the bytes, once it notices (at a progress write) or its retries of the stalled body
        // run out; wait for that, so that no retry of the cancelled pull reaches the registry after the faults go
        long stopBy = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < stopBy && !imaged.logText().contains("pull of " + img[0] + " cancelled")
                && !imaged.logText().contains("pull of " + img[0] + " failed")) {
            Thread.sleep(100);
        }
        assertThat(imaged.logText()).containsPattern("pull of " + java.util.regex.Pattern.quote(img[0]) + " (cancelled|failed)");
        assertThat(Files.exists(part)).isTrue();
        long kept = Files.size(part);
        assertThat(kept).isEqualTo(200_000);

        proxy.clearFaults();
        int before = proxy.requests().size();
        docker.run("pull", img[0]).ok();
        assertThat(imageId(img[0])).isEqualTo(img[1]);
        assertResumedFrom(proxy.requests().subList(before, proxy.requests().size()), "faults/cancel", img[2], kept);
    }

    /**
     * The next pull asks for the blob from the kept bytes on: its first request starts there and none starts
     * earlier. (On a loaded machine that request may itself break at the read timeout and resume further on.)
     */
    private static void assertResumedFrom(List<String> requests, String repo, String digest, long kept) {
        String prefix = "GET /v2/" + repo + "/blobs/" + digest + " bytes=";
        List<String> blob = requests.stream().filter(l -> l.contains("/blobs/" + digest)).toList();
        assertThat(blob).as("requests for the blob").isNotEmpty().allSatisfy(l -> {
            assertThat(l).startsWith(prefix).endsWith("-");
            assertThat(Long.parseLong(l.substring(prefix.length(), l.length() - 1))).isGreaterThanOrEqualTo(kept);
        });
        assertThat(blob.get(0)).isEqualTo(prefix + kept + "-");
    }

    @Test
    void blobRedirectsAreFollowedAndResumedThere(@Proxy FaultProxy storage) throws Exception {
        String[] img = image("faults/redirect");
        proxy.redirect(FaultProxy.path("/blobs/" + img[2]), storage.host());
        storage.add(FaultProxy.path("/blobs/" + img[2]), Kind.CUT, 0, 300_000, 1);
        docker.run("pull", img[0]).ok();
        assertThat(imageId(img[0])).isEqualTo(img[1]);
        List<String> atStorage = storage.requests().stream().filter(l -> l.contains("/blobs/" + img[2])).toList();
        assertThat(atStorage).hasSize(2);
        assertThat(atStorage.get(1)).matches(".* bytes=\\d+-");
    }

    @Test
    void aLyingRegistryLeavesNothingBehind() throws Exception {
        String[] img = image("faults/lie");
        proxy.add(FaultProxy.path("/blobs/" + img[2]), Kind.CORRUPT, 0, 1000, -1);
        DockerCli.Result r = docker.run("pull", img[0]);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).contains("filesystem layer verification failed for digest " + img[2]);
        assertThat(imageId(img[0])).isNull();
        assertThat(partials(".part")).isEmpty();
        assertThat(Files.exists(imaged.dataRoot().resolve("blobs/sha256/" + img[2].substring(7)))).isFalse();

        // a config whose diff IDs do not match the layers
        Layer l = TestImages.layer(Map.of("a", "a\n"), Compression.GZIP);
        Layer other = TestImages.layer(Map.of("b", "b\n"), Compression.GZIP);
        byte[] cfg = TestImages.config(List.of(other), "linux", "amd64", null, "mismatch");
        seeder.manifest("faults/diffid", "1", TestImages.DOCKER_MANIFEST, TestImages.manifest(seeder, "faults/diffid", cfg, List.of(l), false));
        DockerCli.Result mismatch = docker.run("pull", proxy.host() + "/faults/diffid:1");
        assertThat(mismatch.exitCode()).isEqualTo(1);
        assertThat(mismatch.stderr()).contains("does not match the image configuration");
        assertThat(imageId(proxy.host() + "/faults/diffid:1")).isNull();
        assertThat(docker.run("images", "-aq").ok().stdout()).doesNotContain(RegistrySeeder.sha256(cfg).substring(7, 19));
    }
}
