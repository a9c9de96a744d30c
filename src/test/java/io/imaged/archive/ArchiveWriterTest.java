package io.imaged.archive;

import io.imaged.oci.MediaTypes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.store.Image;
import io.imaged.store.ImageConfig;
import io.imaged.reference.ImageReference;
import io.imaged.store.BlobStore;
import io.imaged.digest.Digest;
import io.imaged.store.Layer;
import io.imaged.store.LayerBlob;
import io.imaged.store.Store;
import io.imaged.testsupport.TestProperties;
import io.imaged.testsupport.Tars;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class ArchiveWriterTest {
    @TempDir
    Path tmp;
    final ObjectMapper json = new ObjectMapper();
    Store store;

    @AfterEach
    void close() throws Exception {
        if (store != null) store.close();
    }

    @Test
    void writesPulledGzipLayersAsStoredOnceWithConfigBytesUntouched() throws Exception {
        store = new Store(TestProperties.of(tmp), json);
        BlobStore blobs = store.blobs();
        byte[] tar = Tars.of(Map.of("a.txt", "pulled layer\n"));
        Digest diffId = Digest.sha256(tar);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(tar);
        }
        Digest gzDigest = blobs.put(gz.toByteArray());
        // as a pull stores it: only the registry's gzip blob, no plain tar
        Layer layer = new Layer(diffId, diffId, null, 13, tar.length, List.of(new LayerBlob(gzDigest, MediaTypes.DOCKER_LAYER_GZIP, gz.size())));
        // odd spacing on purpose: the bytes must go out as they are
        byte[] config = ("{ \"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]} }")
                .getBytes(StandardCharsets.UTF_8);
        byte[] config2 = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"x\":\"2\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
        List<ArchiveWriter.Item> items = List.of(
                item(config, layer, List.of(ImageReference.parse("demo/a:1"))),
                item(config2, layer, List.of()));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> saved = new ArrayList<>();
        new ArchiveWriter(blobs, json).write(items, out, i -> saved.add(i.image().id().toString()));

        Map<String, byte[]> entries = entries(out.toByteArray());
        // the registry's gzip blob goes out byte for byte, once for the two images; no plain tar is written
        assertThat(entries.get("blobs/sha256/" + gzDigest.hex())).isEqualTo(gz.toByteArray());
        assertThat(entries).doesNotContainKey("blobs/sha256/" + diffId.hex());
        assertThat(entries.get("blobs/sha256/" + Digest.sha256(config).hex())).isEqualTo(config);
        assertThat(saved).containsExactly(Digest.sha256(config).toString(), Digest.sha256(config2).toString());

        JsonNode manifest = json.readTree(entries.get("manifest.json"));
        assertThat(manifest.get(0).get("RepoTags").get(0).asText()).isEqualTo("demo/a:1");
        assertThat(manifest.get(1).get("RepoTags").isNull()).isTrue();
        assertThat(manifest.get(1).get("Layers").get(0).asText()).isEqualTo("blobs/sha256/" + gzDigest.hex());

        JsonNode index = json.readTree(entries.get("index.json"));
        assertThat(index.get("manifests")).hasSize(2);
        JsonNode tagged = index.get("manifests").get(0);
        assertThat(tagged.get("annotations").get("io.containerd.image.name").asText()).isEqualTo("docker.io/demo/a:1");
        assertThat(tagged.get("annotations").get("org.opencontainers.image.ref.name").asText()).isEqualTo("1");
        byte[] ociManifest = entries.get("blobs/sha256/" + Digest.parse(tagged.get("digest").asText()).hex());
        assertThat(Digest.sha256(ociManifest).toString()).isEqualTo(tagged.get("digest").asText());
        JsonNode oci = json.readTree(ociManifest);
        assertThat(oci.get("layers").get(0).get("mediaType").asText()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
        assertThat(oci.get("layers").get(0).get("digest").asText()).isEqualTo(gzDigest.toString());
        assertThat(oci.get("layers").get(0).get("size").asLong()).isEqualTo(gz.size());
        assertThat(new String(entries.get("repositories"), StandardCharsets.UTF_8)).isEqualTo("{\"demo/a\":{\"1\":\"" + diffId.hex() + "\"}}");
    }

    @Test
    void writesPlainAndZstdLayersAsPlainTarsNamedByDiffId() throws Exception {
        store = new Store(TestProperties.of(tmp), json);
        BlobStore blobs = store.blobs();
        byte[] plainTar = Tars.of(Map.of("p.txt", "loaded layer\n"));
        Digest plainId = Digest.sha256(plainTar);
        blobs.put(plainTar);
        Layer plain = new Layer(plainId, plainId, null, 13, plainTar.length, List.of(new LayerBlob(plainId, MediaTypes.DOCKER_LAYER_TAR, plainTar.length)));
        byte[] zTar = Tars.of(Map.of("z.txt", "zstd layer\n"));
        Digest zId = Digest.sha256(zTar);
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (var out = new org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream(z)) {
            out.write(zTar);
        }
        Digest zDigest = blobs.put(z.toByteArray());
        Digest zChain = Layer.chainId(plainId, zId);
        Layer zstd = new Layer(zChain, zId, plainId, 11, zTar.length, List.of(new LayerBlob(zDigest, MediaTypes.OCI_LAYER_ZSTD, z.size())));
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + plainId + "\",\"" + zId + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
        Image img = new Image(Digest.sha256(config), ImageConfig.parse(json, config), List.of(plainId, zChain), null, 24, null);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new ArchiveWriter(blobs, json).write(List.of(new ArchiveWriter.Item(img, config, List.of(plain, zstd), List.of())), out, i -> { });

        Map<String, byte[]> entries = entries(out.toByteArray());
        // zstd is not read by dockerd 20.10's load: it goes out inflated, as the plain tar its diff ID names
        assertThat(entries.get("blobs/sha256/" + plainId.hex())).isEqualTo(plainTar);
        assertThat(entries.get("blobs/sha256/" + zId.hex())).isEqualTo(zTar);
        assertThat(entries).doesNotContainKey("blobs/sha256/" + zDigest.hex());
        JsonNode manifest = json.readTree(entries.get("manifest.json"));
        assertThat(manifest.get(0).get("Layers").get(1).asText()).isEqualTo("blobs/sha256/" + zId.hex());
    }

    /** The archive's entries by name; each name at most once. */
    private static Map<String, byte[]> entries(byte[] archive) throws java.io.IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(archive))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) assertThat(entries.put(e.getName(), in.readAllBytes())).as(e.getName()).isNull();
        }
        return entries;
    }

    private ArchiveWriter.Item item(byte[] config, Layer layer, List<ImageReference> tags) {
        ImageConfig parsed = ImageConfig.parse(json, config);
        Image img = new Image(Digest.sha256(config), parsed, List.of(layer.chainId()), null, layer.size(), null);
        return new ArchiveWriter.Item(img, config, List.of(layer), tags);
    }
}
