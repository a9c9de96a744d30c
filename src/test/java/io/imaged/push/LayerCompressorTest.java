package io.imaged.push;

import io.imaged.oci.MediaTypes;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.config.ImagedProperties;
import io.imaged.digest.Digest;
import io.imaged.store.Layer;
import io.imaged.store.LayerBlob;
import io.imaged.store.Store;
import io.imaged.testsupport.Tars;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

class LayerCompressorTest {
    @TempDir
    Path dir;
    Store store;

    @AfterEach
    void close() throws Exception {
        if (store != null) store.close();
    }

    private Store open() {
        ImagedProperties props = io.imaged.testsupport.TestProperties.of(dir);
        return new Store(props, new ObjectMapper());
    }

    @Test
    void gzipsAPlainLayerOnceAndRemembersTheBlob() throws Exception {
        store = open();
        byte[] tar = Tars.of(Map.of("a/b.txt", "hello ".repeat(1000), "c.txt", "x"));
        Digest diffId = store.blobs().put(tar);
        Layer layer = store.layers().register(null, diffId, 6001, tar.length, new LayerBlob(diffId, MediaTypes.DOCKER_LAYER_TAR, tar.length));
        LayerCompressor compressor = new LayerCompressor(store);

        // concurrent pushes of the same layer share one compression
        List<CompletableFuture<LayerBlob>> all = Stream.generate(() -> CompletableFuture.supplyAsync(() -> {
            try {
                return compressor.gzipBlob(layer);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        })).limit(4).toList();
        LayerBlob gz = all.get(0).join();
        for (CompletableFuture<LayerBlob> f : all) assertThat(f.join()).isEqualTo(gz);

        assertThat(gz.mediaType()).isEqualTo(MediaTypes.DOCKER_LAYER_GZIP);
        assertThat(gz.size()).isEqualTo(store.blobs().size(gz.digest())).isLessThan(tar.length);
        try (InputStream in = new GZIPInputStream(store.blobs().open(gz.digest()))) {
            assertThat(in.readAllBytes()).isEqualTo(tar);
        }
        // remembered on the layer (and on disk): the same blob next time, no second compression
        assertThat(store.layers().get(layer.chainId()).blobs()).extracting(LayerBlob::digest).containsExactly(diffId, gz.digest());
        assertThat(compressor.gzipBlob(layer)).isEqualTo(gz);
        long blobs;
        try (Stream<Path> s = Files.list(dir.resolve("blobs/sha256"))) {
            blobs = s.count();
        }
        assertThat(blobs).isEqualTo(2);
        assertThat(Files.list(dir.resolve("blobs/tmp")).count()).isZero();
        assertThat(Files.readString(dir.resolve("layerdb/sha256/" + layer.chainId().hex() + ".json"))).contains(gz.digest().toString());
    }
}
