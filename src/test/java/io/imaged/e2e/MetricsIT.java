package io.imaged.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.FaultProxy;
import io.imaged.testsupport.FaultProxy.Kind;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Proxy;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.Tars;
import io.imaged.testsupport.TestImages;
import io.imaged.testsupport.WorkDir;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /actuator/prometheus} of the packaged daemon while the real docker CLI pulls from a real registry (behind a
 * fault proxy: a manifest answered 503 once, a layer cut once and resumed, a layer the registry never serves), pushes,
 * imports, saves and loads (one load abandoned halfway): each counter moves by exactly what was done, and the store's gauges say what the API says.
 */
@ImagedTest
class MetricsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    @WorkDir
    static Path dir;
    @Registry
    static RegistryProcess registry;
    @Proxy
    static FaultProxy proxy;
    @Imaged(args = {"--imaged.registry.retry-backoff=50ms", "--imaged.registry.max-attempts=2", "--imaged.registry.read-timeout=2s"})
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;

    @Test
    void countersMoveByWhatTheCliDidAndGaugesMatchTheApi() throws Exception {
        RegistrySeeder seeder = new RegistrySeeder(registry.url());
        TestImages.pushSmall(seeder, "test/small", "1");
        TestImages.NoisyImage noisy = TestImages.noisyImage(seeder, "test/noisy", 1);
        seeder.manifest("test/noisy", "1", TestImages.DOCKER_MANIFEST, noisy.manifest());
        TestImages.NoisyImage broken = TestImages.noisyImage(seeder, "test/broken", 2);
        seeder.manifest("test/broken", "1", TestImages.DOCKER_MANIFEST, broken.manifest());
        String host = proxy.host();

        Map<String, Double> start = scrape();
        for (String outcome : List.of("succeeded", "failed", "cancelled")) {
            for (String op : List.of("pulls", "pushes", "loads", "saves")) {
                assertThat(start).containsEntry("imaged_" + op + "_total{outcome=\"" + outcome + "\"}", 0.0);
            }
        }
        assertThat(start).containsEntry("imaged_store_images", 0.0).containsEntry("imaged_registry_fetched_bytes_total", 0.0);

        // two pulls that succeed: one after a manifest answered 503 once (a retry), one whose big layer is cut once (resumed)
        proxy.add(FaultProxy.path("/test/small/manifests/"), Kind.STATUS, 503, 0, 1);
        docker.run("pull", host + "/test/small:1").ok();
        proxy.add(FaultProxy.path("/blobs/" + noisy.bigBlobDigest()), Kind.CUT, 0, 300_000, 1);
        docker.run("pull", host + "/test/noisy:1").ok();
        long pulledBlobBytes = blobs().values().stream().mapToLong(Long::longValue).sum();
        // two that fail: a missing tag (a plain 404 before the stream) and a layer the registry never serves (inside the 200)
        DockerCli.Result missing = docker.run("pull", host + "/test/small:missing");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).contains("not found");
        proxy.add(FaultProxy.path("/blobs/" + broken.bigBlobDigest()), Kind.STATUS, 500, 0, -1);
        DockerCli.Result midStream = docker.run("pull", host + "/test/broken:1");
        assertThat(midStream.exitCode()).isEqualTo(1);
        assertThat(midStream.stdout()).contains("1: Pulling from test/broken");
        proxy.clearFaults();

        // an import from the body, pushed (its layer is new to the registry, so it is uploaded), saved and loaded back
        byte[] tar = Tars.of(Map.of("metrics/file.txt", "pushed by MetricsIT\n".repeat(1000)));
        docker.run(new ByteArrayInputStream(tar), "import", "-", host + "/test/pushed:1").ok();
        docker.run("push", host + "/test/pushed:1").ok();
        Path archive = dir.resolve("small.tar");
        docker.run("save", "-o", archive.toString(), host + "/test/small:1").ok();
        docker.run("load", "-i", archive.toString()).ok();
        Path garbage = Files.write(dir.resolve("garbage.tar"), "not an archive".getBytes());
        DockerCli.Result badLoad = docker.run("load", "-i", garbage.toString());
        assertThat(badLoad.exitCode()).isNotZero();
        // a load whose client leaves halfway through the upload is cancelled, not failed
        byte[] whole = Files.readAllBytes(archive);
        try (SocketChannel gone = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            gone.connect(UnixDomainSocketAddress.of(imaged.socket()));
            gone.write(ByteBuffer.wrap(("POST /images/load HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + whole.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
            gone.write(ByteBuffer.wrap(whole, 0, whole.length / 2));
            Thread.sleep(500); // leave once the load is reading (see StreamsIT)
        }
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (scrape().get("imaged_loads_total{outcome=\"cancelled\"}") < 1.0) {
            assertThat(System.nanoTime()).as("the abandoned load is counted").isLessThan(deadline);
            Thread.sleep(100);
        }

        Map<String, Double> m = scrape();
        assertThat(m).containsEntry("imaged_pulls_total{outcome=\"succeeded\"}", 2.0)
                .containsEntry("imaged_pulls_total{outcome=\"failed\"}", 2.0)
                .containsEntry("imaged_pulls_total{outcome=\"cancelled\"}", 0.0)
                .containsEntry("imaged_pushes_total{outcome=\"succeeded\"}", 1.0)
                .containsEntry("imaged_pushes_total{outcome=\"failed\"}", 0.0)
                .containsEntry("imaged_saves_total{outcome=\"succeeded\"}", 1.0)
                .containsEntry("imaged_loads_total{outcome=\"succeeded\"}", 1.0)
                .containsEntry("imaged_loads_total{outcome=\"failed\"}", 1.0)
                .containsEntry("imaged_loads_total{outcome=\"cancelled\"}", 1.0)
                .containsEntry("imaged_imports_total{outcome=\"succeeded\",source=\"body\"}", 1.0)
                .containsEntry("imaged_imports_total{outcome=\"succeeded\",source=\"url\"}", 0.0)
                .containsEntry("imaged_layer_downloads_resumed_total", 1.0)
                .containsEntry("imaged_registry_retries_total{call=\"manifest\"}", 1.0);
        // durations: one histogram per operation and outcome, its count the counter's
        assertThat(m).containsEntry("imaged_pull_duration_seconds_count{outcome=\"succeeded\"}", 2.0)
                .containsEntry("imaged_pull_duration_seconds_count{outcome=\"failed\"}", 2.0)
                .containsEntry("imaged_pull_duration_seconds_bucket{outcome=\"succeeded\",le=\"+Inf\"}", 2.0)
                .containsEntry("imaged_push_duration_seconds_count{outcome=\"succeeded\"}", 1.0)
                .containsEntry("imaged_load_duration_seconds_count{outcome=\"failed\"}", 1.0)
                .containsKey("imaged_save_duration_seconds_sum{outcome=\"succeeded\"}");
        assertThat(m.keySet().stream().filter(k -> k.startsWith("imaged_pull_duration_seconds_bucket{outcome=\"succeeded\"")))
                .hasSize(16);
        assertThat(m).containsEntry("imaged_pull_duration_seconds_bucket{outcome=\"succeeded\",le=\"3600.0\"}", 2.0);

        // bytes: every stored blob of the two pulls came from the registry (the resumed layer's first 300 KB only once);
        // what was sent holds at least the pushed config and layer
        assertThat(m.get("imaged_registry_fetched_bytes_total")).isGreaterThanOrEqualTo((double) pulledBlobBytes)
                .isGreaterThanOrEqualTo((double) noisy.bigBlobSize());
        JsonNode manifest = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(registry.url() + "/v2/test/pushed/manifests/1"))
                .header("Accept", TestImages.DOCKER_MANIFEST).build(), HttpResponse.BodyHandlers.ofString()).body());
        long pushed = manifest.path("config").path("size").asLong();
        for (JsonNode l : manifest.path("layers")) pushed += l.path("size").asLong();
        assertThat(pushed).isGreaterThan(0);
        assertThat(m.get("imaged_registry_sent_bytes_total")).isGreaterThanOrEqualTo((double) pushed);

        // the store's gauges are what the API reports, and the blob figures what is on disk
        JsonNode all = JSON.readTree(get("/images/json?all=1"));
        assertThat(all.size()).isEqualTo(3); // small (saved and loaded back: the same image), noisy, pushed; broken never landed
        assertThat(m.get("imaged_store_images")).isEqualTo((double) all.size())
                .isEqualTo(JSON.readTree(get("/info")).path("Images").asDouble());
        assertThat(m.get("imaged_store_layers_size_bytes")).isEqualTo(JSON.readTree(get("/system/df")).path("LayersSize").asDouble());
        try (Stream<Path> layers = Files.list(imaged.dataRoot().resolve("layerdb/sha256"))) {
            assertThat(m.get("imaged_store_layers")).isEqualTo((double) layers.filter(p -> p.toString().endsWith(".json")).count());
        }
        Map<String, Long> onDisk = blobs();
        assertThat(m.get("imaged_store_blobs")).isEqualTo((double) onDisk.size());
        assertThat(m.get("imaged_store_blobs_size_bytes")).isEqualTo((double) onDisk.values().stream().mapToLong(Long::longValue).sum());
        assertThat(m.get("imaged_data_root_free_bytes")).isPositive();
        assertThat(m.get("disk_free_bytes{path=\"" + imaged.dataRoot() + "\"}")).isPositive();
    }

    /** The blobs under the data root by name, with their sizes (what the test reads on disk, not what imaged says). */
    private static Map<String, Long> blobs() throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(imaged.dataRoot().resolve("blobs/sha256"))) {
            for (Path p : s.toList()) {
                if (p.getFileName().toString().matches("[0-9a-f]{64}")) out.put(p.getFileName().toString(), Files.size(p));
            }
        }
        return out;
    }

    private static String get(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }

    /** The Prometheus text of {@code /actuator/prometheus}: each sample as {@code name{labels}} → value. */
    private static Map<String, Double> scrape() throws Exception {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : get("/actuator/prometheus").split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int space = line.lastIndexOf(' ');
            out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return out;
    }
}
