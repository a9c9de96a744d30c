package io.imaged.metrics;

import io.imaged.store.Layer;
import io.imaged.store.Store;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.stereotype.Component;

/**
 * What the store holds, read at each scrape from what the store keeps in memory (nothing on disk is walked):
 * {@code imaged_store_images}, {@code imaged_store_layers}, {@code imaged_store_layers_size_bytes} (the
 * {@code LayersSize} of {@code /system/df}), {@code imaged_store_blobs}, {@code imaged_store_blobs_size_bytes} and
 * {@code imaged_data_root_free_bytes}.
 */
@Component
public class StoreMetrics implements MeterBinder {
    private final Store store;

    public StoreMetrics(Store store) {
        this.store = store;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("imaged.store.images", store, s -> s.images().count())
                .description("Images in the store (tagged, untagged and intermediate: /images/json?all=1)").register(registry);
        Gauge.builder("imaged.store.layers", store, s -> s.layers().all().size())
                .description("Layers in the store").register(registry);
        Gauge.builder("imaged.store.layers.size", store, StoreMetrics::layersSize).baseUnit("bytes")
                .description("Unpacked size of all layers (LayersSize of /system/df)").register(registry);
        Gauge.builder("imaged.store.blobs", store, s -> s.blobs().usage().count())
                .description("Blobs in the store (layer tars as pulled or imported, manifests)").register(registry);
        Gauge.builder("imaged.store.blobs.size", store, s -> s.blobs().usage().bytes()).baseUnit("bytes")
                .description("Bytes of all blobs in the store").register(registry);
        // the store, not a File made here, is the gauge's object: Micrometer holds it weakly
        Gauge.builder("imaged.data.root.free", store, s -> s.root().toFile().getUsableSpace()).baseUnit("bytes")
                .description("Bytes available to imaged on the file system of the data root").register(registry);
    }

    /** A sum over the layers in memory: a few microseconds for thousands of layers, no lock, no disk. */
    private static double layersSize(Store s) {
        long total = 0;
        for (Layer l : s.layers().all()) total += l.size();
        return total;
    }
}
