package io.imaged.archive;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.digest.Digest;
import io.imaged.events.EventBus;
import io.imaged.layer.InvalidArchiveException;
import io.imaged.layer.LayerIngester;
import io.imaged.oci.MediaTypes;
import io.imaged.store.Layer;
import io.imaged.store.LayerBlob;
import io.imaged.store.Store;
import io.imaged.testsupport.Tars;
import io.imaged.testsupport.TestImages;
import io.imaged.testsupport.TestProperties;
import io.imaged.transfer.TransferManager;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The load's layer files: measured in parallel where they were unpacked and moved into the blob store as they are —
 * a gzip layer (as imaged's own saves carry them) under its gzip digest, a plain tar under its diff ID — and
 * nothing left in the store when one of them does not match its config.
 */
class LoadLayerFilesTest {
    @TempDir
    Path tmp;
    final ObjectMapper json = new ObjectMapper();
    final TransferManager transfers = new TransferManager(2, 2);
    Store store;
    LoadService load;

    @BeforeEach
    void open() throws Exception {
        store = new Store(TestProperties.of(tmp), json);
        load = new LoadService(store, new LayerIngester(store), transfers, new EventBus(), json);
    }

    @AfterEach
    void close() throws Exception {
        store.close();
        transfers.close();
    }

    @Test
    void gzipLayersAreStoredAsTheyCameAndPlainOnesUnderTheirDiffId() throws Exception {
        byte[] base = Tars.of(Map.of("base.txt", "the base layer\n"));
        byte[] top = Tars.of(Map.of("top.txt", "the top layer, gzip in the archive\n"));
        byte[] topGz = TestImages.gzip(top);
        byte[] archive = archive(List.of(base, top), List.of(base, topGz), "demo/load:1");

        LoadService.Result r = load.load(new ByteArrayInputStream(archive));

        assertThat(r.lines()).containsExactly("Loaded image: demo/load:1");
        Digest baseId = Digest.sha256(base), topId = Digest.sha256(top), topGzDigest = Digest.sha256(topGz);
        Layer topLayer = store.layers().get(Layer.chainId(baseId, topId));
        assertThat(topLayer.blobs()).containsExactly(new LayerBlob(topGzDigest, MediaTypes.DOCKER_LAYER_GZIP, topGz.length));
        assertThat(topLayer.tarSize()).isEqualTo(top.length);
        assertThat(store.layers().get(baseId).blobs()).containsExactly(new LayerBlob(baseId, MediaTypes.DOCKER_LAYER_TAR, base.length));
        try (var in = store.blobs().open(topGzDigest)) {
            assertThat(in.readAllBytes()).isEqualTo(topGz);
        }
        try (var in = store.blobs().open(baseId)) {
            assertThat(in.readAllBytes()).isEqualTo(base);
        }
    }

    @Test
    void aLayerThatIsNotWhatTheConfigSaysLeavesNothingStored() throws Exception {
        byte[] base = Tars.of(Map.of("base.txt", "the base layer\n"));
        byte[] top = Tars.of(Map.of("top.txt", "the top layer\n"));
        byte[] other = Tars.of(Map.of("top.txt", "another top layer\n"));
        // the config names `top`, the archive carries `other` (gzip), and a good plain base beside it
        byte[] archive = archive(List.of(base, top), List.of(base, TestImages.gzip(other)), "demo/bad:1");

        assertThatThrownBy(() -> load.load(new ByteArrayInputStream(archive)))
                .isInstanceOf(InvalidArchiveException.class)
                .hasMessageContaining("has diff ID " + Digest.sha256(other))
                .hasMessageContaining("says " + Digest.sha256(top));

        List<Digest> blobs = new ArrayList<>();
        store.blobs().forEach(blobs::add);
        assertThat(blobs).isEmpty();
        assertThat(store.layers().get(Digest.sha256(base))).isNull();
        assertThat(store.images().all()).isEmpty();
    }

    @Test
    void aCorruptGzipLayerIsTheArchivesFault() throws Exception {
        byte[] base = Tars.of(Map.of("base.txt", "the base layer\n"));
        byte[] gz = TestImages.gzip(base);
        gz[gz.length / 2] ^= 0x5a; // a bad deflate block or a CRC mismatch
        byte[] archive = archive(List.of(base), List.of(gz), "demo/corrupt:1");

        assertThatThrownBy(() -> load.load(new ByteArrayInputStream(archive))).isInstanceOf(InvalidArchiveException.class);
        List<Digest> blobs = new ArrayList<>();
        store.blobs().forEach(blobs::add);
        assertThat(blobs).isEmpty();
    }

    @Test
    void largeLayersAreMeasuredWhileUnpackingAndALargeFileThatIsNoLayerIsIgnored() throws Exception {
        java.util.Random rnd = new java.util.Random(7);
        byte[] big1 = new byte[3 << 19], big2 = new byte[3 << 19];
        rnd.nextBytes(big1);
        rnd.nextBytes(big2);
        byte[] base = Tars.ofBytes(Map.of("one.bin", big1));
        byte[] top = Tars.ofBytes(Map.of("two.bin", big2));
        byte[] topGz = TestImages.gzip(top);
        assertThat(base.length).isGreaterThan((int) LayerFileMeasurer.EARLY_BYTES);
        assertThat(topGz.length).isGreaterThan((int) LayerFileMeasurer.EARLY_BYTES);
        byte[] junk = new byte[2 << 20];
        rnd.nextBytes(junk); // not a tar: measuring it early fails, and nobody asks
        byte[] archive = archive(List.of(base, top), List.of(base, topGz), "demo/big:1", Map.of("junk.bin", junk));

        assertThat(load.load(new ByteArrayInputStream(archive)).lines()).containsExactly("Loaded image: demo/big:1");
        Digest baseId = Digest.sha256(base), topId = Digest.sha256(top);
        assertThat(store.layers().get(Layer.chainId(baseId, topId)).blobs())
                .containsExactly(new LayerBlob(Digest.sha256(topGz), MediaTypes.DOCKER_LAYER_GZIP, topGz.length));
        assertThat(store.layers().get(baseId).blobs()).containsExactly(new LayerBlob(baseId, MediaTypes.DOCKER_LAYER_TAR, base.length));
        assertThat(store.images().all()).hasSize(1);
    }

    private byte[] archive(List<byte[]> tars, List<byte[]> files, String tag) throws IOException {
        return archive(tars, files, tag, Map.of());
    }

    /** A docker-archive: config naming {@code tars}' diff IDs, layer files with {@code files}' bytes. */
    private byte[] archive(List<byte[]> tars, List<byte[]> files, String tag, Map<String, byte[]> extra) throws IOException {
        StringBuilder diffIds = new StringBuilder();
        for (byte[] t : tars) diffIds.append(diffIds.length() == 0 ? "" : ",").append('"').append(Digest.sha256(t)).append('"');
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}")
                .getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        StringBuilder layers = new StringBuilder();
        for (byte[] f : files) {
            String name = "blobs/sha256/" + Digest.sha256(f).hex();
            entries.put(name, f);
            layers.append(layers.length() == 0 ? "" : ",").append('"').append(name).append('"');
        }
        entries.putAll(extra);
        entries.put("config.json", config);
        entries.put("manifest.json", ("[{\"Config\":\"config.json\",\"RepoTags\":[\"" + tag + "\"],\"Layers\":[" + layers + "]}]")
                .getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                TarArchiveEntry h = new TarArchiveEntry(e.getKey());
                h.setSize(e.getValue().length);
                tar.putArchiveEntry(h);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }
}
