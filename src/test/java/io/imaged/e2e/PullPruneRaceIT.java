package io.imaged.e2e;

import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.TestImages.Compression;
import io.imaged.testsupport.TestImages.Layer;
import io.imaged.testsupport.TestImages;
import io.imaged.testsupport.WorkDir;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A prune never breaks a running pull: pulls of two images that share their lower layers run in a loop (each removed
 * again between rounds) while another thread prunes and removes images without pause. Every pull must succeed, no
 * message anyone sees may name a file of the data root, and the store must be whole at the end.
 */
@ImagedTest
@Order(1) // one of the longest: started first
class PullPruneRaceIT {
    static final int ROUNDS = 60;
    static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(90);
    @WorkDir
    static Path dir;
    @Registry
    static RegistryProcess registry;
    @Imaged
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;
    static String app;
    static String other;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void seed() throws Exception {
        RegistrySeeder seeder = new RegistrySeeder(registry.url());
        Random random = new Random(12);
        Layer base = noise("base.bin", 768 << 10, random);
        Layer mid = noise("mid.bin", 256 << 10, random);
        Layer top = noise("app.bin", 512 << 10, random);
        Layer small = TestImages.layer(Map.of("etc/app.conf", "app\n"), Compression.GZIP);
        Layer own = noise("other.bin", 256 << 10, random);
        app = push(seeder, "race/app", List.of(base, mid, top, small), "app");
        other = push(seeder, "race/other", List.of(base, mid, own), "other");
    }

    static Layer noise(String name, int bytes, Random random) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return TestImages.layer(Map.of(name, new String(b, StandardCharsets.ISO_8859_1)), Compression.GZIP);
    }

    static String push(RegistrySeeder seeder, String repo, List<Layer> layers, String label) throws Exception {
        byte[] config = TestImages.config(layers, "linux", "amd64", null, label);
        byte[] manifest = TestImages.manifest(seeder, repo, config, layers, false);
        seeder.manifest(repo, "1", TestImages.DOCKER_MANIFEST, manifest);
        return registry.host() + "/" + repo + ":1";
    }

    @Test
    void pullsSurviveConcurrentPrunesAndRemovals() throws Exception {
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        long deadline = System.nanoTime() + MAX_NANOS;
        try {
            // the image sharing the lower layers is pulled and removed over and over
            Future<?> sharing = pool.submit(() -> {
                while (!done.get()) {
                    DockerCli.Result r = docker.run("pull", "-q", other);
                    seen.add(r.stdout() + r.stderr());
                    if (r.exitCode() != 0) failures.add("pull " + other + ": " + r.stderr());
                    seen.add(docker.run("rmi", other).stderr());
                }
                return null;
            });
            // prunes without pause: the CLI's prune -af, and the API's prune in between
            Future<?> pruner = pool.submit(() -> {
                for (int i = 0; !done.get(); i++) {
                    if (i % 4 == 0) {
                        DockerCli.Result r = docker.run("image", "prune", "-af");
                        seen.add(r.stdout() + r.stderr());
                    } else {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl()
                                + "/v1.50/images/prune?filters=%7B%22dangling%22%3A%5B%22false%22%5D%7D")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                                HttpResponse.BodyHandlers.ofString());
                        seen.add(r.body());
                        if (r.statusCode() != 200) failures.add("prune answered " + r.statusCode() + ": " + r.body());
                    }
                }
                return null;
            });
            int rounds = 0;
            while (rounds < ROUNDS && System.nanoTime() < deadline) {
                DockerCli.Result r = docker.run("pull", app);
                seen.add(r.stdout() + r.stderr());
                if (r.exitCode() != 0) failures.add("pull " + app + " (round " + rounds + "): " + r.stdout() + r.stderr());
                seen.add(docker.run("rmi", app).stderr());
                rounds++;
            }
            done.set(true);
            sharing.get(120, TimeUnit.SECONDS);
            pruner.get(120, TimeUnit.SECONDS);
            assertThat(rounds).as("rounds run").isGreaterThanOrEqualTo(5);
        } finally {
            done.set(true);
            pool.shutdownNow();
        }

        String root = imaged.dataRoot().toAbsolutePath().toString();
        assertThat(failures).as("failed pulls or prunes").isEmpty();
        assertThat(seen).as("no message names a file of the data root").noneMatch(s -> s.contains(root) || s.contains("/blobs/sha256/"));
        assertThat(imaged.logText()).as("the log words failures without data-root paths either").doesNotContain(".tmp-")
                .doesNotContain("is not stored");

        // the store is whole: what is listed can be inspected and saved, and both images pull and save once more
        docker.run("pull", "-q", app).ok();
        docker.run("pull", "-q", other).ok();
        for (String id : docker.run("images", "-a", "-q", "--no-trunc").ok().lines()) {
            if (id.isBlank()) continue;
            docker.run("image", "inspect", id).ok();
        }
        Path saved = dir.resolve("saved.tar");
        docker.run("save", "-o", saved.toString(), app, other).ok();
        docker.run("rmi", app, other).ok();
        docker.run("load", "-i", saved.toString()).ok();
        assertThat(docker.run("images", "--format", "{{.Repository}}:{{.Tag}}").ok().stdout()).contains(app, other);
    }
}
