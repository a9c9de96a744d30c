package io.imaged.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.digest.Digest;
import io.imaged.oci.MediaTypes;
import io.imaged.store.ImageCommit;
import io.imaged.store.Layer;
import io.imaged.store.LayerBlob;
import io.imaged.store.Store;
import io.imaged.testsupport.TestProperties;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store's gauges on a store of 3,000 images: their values are the store's (and the blob figures what is on disk,
 * also after a reopen and after garbage collection), and a scrape costs what reading numbers from memory costs —
 * nothing walks the data root.
 */
class StoreMetricsCostTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int IMAGES = 3_000;
    private static final int LAYERS = 300;

    @TempDir
    Path dir;

    @Test
    void gaugesOfThousandsOfImagesAreExactAndCheapToScrape() throws IOException {
        try (Store store = new Store(TestProperties.of(dir), JSON)) {
            List<Digest> diffIds = new ArrayList<>();
            for (int i = 0; i < LAYERS; i++) {
                byte[] tar = ("layer " + i + "\n").repeat(100 + i).getBytes(StandardCharsets.UTF_8);
                Digest diffId = Digest.sha256(tar);
                store.blobs().put(new ByteArrayInputStream(tar), diffId);
                store.layers().register(null, diffId, tar.length - 10, tar.length,
                        new LayerBlob(diffId, MediaTypes.DOCKER_LAYER_TAR, tar.length));
                diffIds.add(diffId);
            }
            for (int i = 0; i < IMAGES; i++) {
                byte[] config = ("{\"architecture\":\"amd64\",\"comment\":\"image " + i + "\",\"config\":{},"
                        + "\"created\":\"2024-01-01T00:00:00Z\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                        + diffIds.get(i % LAYERS) + "\"]}}").getBytes(StandardCharsets.UTF_8);
                store.commit(ImageCommit.create(config));
            }
            store.blobs().put("a manifest kept beside the layers".getBytes(StandardCharsets.UTF_8));

            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new StoreMetrics(store).bindTo(registry);
            long layersSize = store.layers().all().stream().mapToLong(Layer::size).sum();
            assertThat(gauge(registry, "imaged.store.images")).isEqualTo(IMAGES);
            assertThat(gauge(registry, "imaged.store.layers")).isEqualTo(LAYERS);
            assertThat(gauge(registry, "imaged.store.layers.size")).isEqualTo(layersSize);
            assertOnDisk(registry);
            assertThat(gauge(registry, "imaged.data.root.free")).isPositive();

            // the cost of the gauges alone, and of a whole scrape of them
            for (int i = 0; i < 200; i++) registry.scrape(); // warm up
            long t0 = System.nanoTime();
            int rounds = 2_000;
            for (int i = 0; i < rounds; i++) {
                for (String g : List.of("imaged.store.images", "imaged.store.layers", "imaged.store.layers.size",
                        "imaged.store.blobs", "imaged.store.blobs.size")) {
                    gauge(registry, g);
                }
            }
            double gaugesMicros = (System.nanoTime() - t0) / 1_000.0 / rounds;
            t0 = System.nanoTime();
            for (int i = 0; i < 200; i++) registry.scrape();
            double scrapeMicros = (System.nanoTime() - t0) / 1_000.0 / 200;
            System.out.printf("store gauges of %d images, %d layers: %.1f µs per read of all five, %.1f µs per scrape%n",
                    IMAGES, LAYERS, gaugesMicros, scrapeMicros);
            // generous bounds for a loaded 2-core CI machine; walking 3,300 files would take milliseconds
            assertThat(gaugesMicros).isLessThan(1_000);
            assertThat(scrapeMicros).isLessThan(5_000);
            assertThat(registry.scrape()).contains("imaged_store_images " + IMAGES + ".0");

            // figures kept as blobs go: a collection removes the blob nobody uses
            store.collectGarbage();
            assertOnDisk(registry);
        }
        // and rebuilt from disk when the store opens again
        try (Store reopened = new Store(TestProperties.of(dir), JSON)) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new StoreMetrics(reopened).bindTo(registry);
            assertOnDisk(registry);
            assertThat(gauge(registry, "imaged.store.images")).isEqualTo(IMAGES);
        }
    }

    private void assertOnDisk(PrometheusMeterRegistry registry) throws IOException {
        long count;
        long bytes;
        try (Stream<Path> s = Files.list(dir.resolve("blobs/sha256"))) {
            List<Path> blobs = s.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}")).toList();
            count = blobs.size();
            long sum = 0;
            for (Path p : blobs) sum += Files.size(p);
            bytes = sum;
        }
        assertThat(count).isGreaterThanOrEqualTo(LAYERS);
        assertThat(gauge(registry, "imaged.store.blobs")).isEqualTo(count);
        assertThat(gauge(registry, "imaged.store.blobs.size")).isEqualTo(bytes);
    }

    private static double gauge(PrometheusMeterRegistry registry, String name) {
        return registry.get(name).gauge().value();
    }
}
