package io.imaged.store;

import io.imaged.oci.MediaTypes;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.config.ImagedProperties;
import io.imaged.digest.Digest;
import io.imaged.reference.ImageReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store's invariants across restarts, and what it makes of the files a crash can leave: torn appends,
 * temp files, metadata without content, layers without blobs or parents, images without layers, references
 * to images that are gone. Each test writes the damage by hand, reopens the store and checks that what is
 * left is whole and that nothing unreachable stays on disk.
 */
class StoreRecoveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Opens the store as after a crash: the tests write what one leaves, and a crash writes no {@link StoreIndex}. */
    private Store open() throws IOException {
        Files.deleteIfExists(dir.resolve(StoreIndex.FILE));
        ImagedProperties props = io.imaged.testsupport.TestProperties.of(dir);
        return new Store(props, JSON);
    }

    /** Stores a one-layer image the way import does: blob, layer, config, then a tag. */
    private static Image oneLayerImage(Store store, String content, String tag) throws IOException {
        byte[] tar = io.imaged.testsupport.Tars.of(java.util.Map.of("file.txt", content));
        Digest diffId = Digest.sha256(tar);
        store.blobs().put(new ByteArrayInputStream(tar), diffId);
        store.layers().register(null, diffId, content.length(), tar.length, new LayerBlob(diffId, MediaTypes.DOCKER_LAYER_TAR, tar.length));
        Image img = store.images().create(config(diffId, content), null);
        if (tag != null) store.references().put(ImageReference.parse(tag), img.id());
        return img;
    }

    private static byte[] config(Digest diffId, String comment) {
        return ("{\"architecture\":\"amd64\",\"comment\":\"" + comment + "\",\"config\":{},\"created\":\"2024-01-01T00:00:00Z\","
                + "\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
    }

    private List<Path> files(String sub) throws IOException {
        Path p = dir.resolve(sub);
        if (!Files.exists(p)) return List.of();
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void imageIdIsTheDigestOfTheConfigBytesAndSurvivesARestart() throws IOException {
        Image img;
        try (Store store = open()) {
            img = oneLayerImage(store, "one", "demo/one:1");
            assertThat(img.id()).isEqualTo(Digest.sha256(store.images().configBytes(img.id())));
        }
        try (Store store = open()) {
            assertThat(store.images().get(img.id())).isNotNull();
            assertThat(store.references().get(ImageReference.parse("demo/one:1"))).isEqualTo(img.id());
            assertThat(store.images().searchPrefix(img.id().hex().substring(0, 12))).extracting(Image::id).containsExactly(img.id());
            assertThat(store.images().heads()).extracting(Image::id).containsExactly(img.id());
        }
    }

    @Test
    void aLayerSharedByTwoImagesIsStoredOnceAndKeptUntilTheLastImageGoes() throws IOException {
        try (Store store = open()) {
            Image a = oneLayerImage(store, "same", "demo/a:1");
            byte[] tar = io.imaged.testsupport.Tars.of(java.util.Map.of("file.txt", "same"));
            Digest diffId = Digest.sha256(tar);
            Image b = store.images().create(config(diffId, "other comment"), null);
            assertThat(a.id()).isNotEqualTo(b.id());
            assertThat(store.layers().all()).hasSize(1);
            assertThat(files("blobs/sha256")).hasSize(1);

            store.images().delete(a.id());
            store.collectGarbage();
            assertThat(store.layers().all()).hasSize(1);
            store.images().delete(b.id());
            store.collectGarbage();
            assertThat(store.layers().all()).isEmpty();
            assertThat(files("blobs/sha256")).isEmpty();
        }
    }

    @Test
    void aTornReferenceAppendIsIgnoredAndEarlierReferencesStay() throws IOException {
        Image img;
        try (Store store = open()) {
            img = oneLayerImage(store, "one", "demo/one:1");
            store.references().put(ImageReference.parse("demo/one:2"), img.id());
        }
        // a crash in the middle of an append leaves a line without its newline
        Files.writeString(dir.resolve("references/references.log"), "+ docker.io/demo/one:3 sha256:" + img.id().hex().substring(0, 20),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        try (Store store = open()) {
            assertThat(store.references().referencesTo(img.id())).extracting(ImageReference::familiarString)
                    .containsExactly("demo/one:1", "demo/one:2");
        }
    }

    @Test
    void aReferenceToAnImageThatIsGoneIsDropped() throws IOException {
        Image img;
        try (Store store = open()) {
            img = oneLayerImage(store, "one", "demo/one:1");
        }
        Files.delete(dir.resolve("image/content/sha256").resolve(img.id().hex()));
        try (Store store = open()) {
            assertThat(store.images().count()).isZero();
            assertThat(store.references().snapshot()).isEmpty();
            assertThat(store.layers().all()).as("the layer only that image used").isEmpty();
            assertThat(files("blobs")).isEmpty();
            assertThat(files("layerdb")).isEmpty();
        }
    }

    @Test
    void tornOrForeignFilesInTheImageBackendAreRemoved() throws IOException {
        Image img;
        try (Store store = open()) {
            img = oneLayerImage(store, "one", "demo/one:1");
        }
        Path content = dir.resolve("image/content/sha256");
        Path metadata = dir.resolve("image/metadata/sha256");
        // a config file whose bytes do not hash to its name (a torn write on a file system without atomic rename)
        String torn = "a".repeat(64);
        Files.writeString(content.resolve(torn), "{\"architecture\":");
        // a temp file of an interrupted write
        Files.writeString(content.resolve(".tmp-" + img.id().hex() + "123"), "{");
        // metadata written before the crash took the config with it
        Files.createDirectories(metadata.resolve("b".repeat(64)));
        Files.writeString(metadata.resolve("b".repeat(64)).resolve("parent"), img.id().toString());
        try (Store store = open()) {
            assertThat(store.images().all()).extracting(Image::id).containsExactly(img.id());
        }
        try (Stream<Path> s = Files.list(content)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly(img.id().hex());
        }
        assertThat(Files.exists(metadata.resolve("b".repeat(64)))).isFalse();
    }

    @Test
    void anImageWhoseLayerIsMissingIsRemovedWithItsReferences() throws IOException {
        Image img;
        try (Store store = open()) {
            img = oneLayerImage(store, "one", "demo/one:1");
        }
        // the layer record is torn: not JSON any more
        Path layerFile = files("layerdb").get(0);
        Files.writeString(layerFile, "{\"chainId\":");
        try (Store store = open()) {
            assertThat(store.images().get(img.id())).isNull();
            assertThat(store.references().snapshot()).isEmpty();
            assertThat(files("layerdb")).isEmpty();
            assertThat(files("blobs")).as("the layer's blob is garbage now").isEmpty();
            assertThat(files("image/content")).isEmpty();
        }
    }

    @Test
    void aLayerWithoutItsBlobOrParentIsDropped() throws IOException {
        Digest orphanParent = Digest.sha256("nothing".getBytes(StandardCharsets.UTF_8));
        try (Store store = open()) {
            oneLayerImage(store, "keep", "demo/keep:1");
        }
        // a layer record whose blob never got committed, and one on top of a parent that is not stored
        Digest diff = Digest.sha256("x".getBytes(StandardCharsets.UTF_8));
        Layer noBlob = new Layer(diff, diff, null, 1, 1, List.of(new LayerBlob(diff, MediaTypes.DOCKER_LAYER_TAR, 1)));
        Files.write(dir.resolve("layerdb/sha256").resolve(diff.hex() + ".json"), JSON.writeValueAsBytes(noBlob));
        try (Store store = open()) {
            assertThat(store.layers().all()).hasSize(1);
            Digest blobOnly = store.blobs().put("y".getBytes(StandardCharsets.UTF_8));
            Digest chain = Layer.chainId(orphanParent, blobOnly);
            Layer noParent = new Layer(chain, blobOnly, orphanParent, 1, 1, List.of(new LayerBlob(blobOnly, MediaTypes.DOCKER_LAYER_TAR, 1)));
            Files.write(dir.resolve("layerdb/sha256").resolve(chain.hex() + ".json"), JSON.writeValueAsBytes(noParent));
        }
        try (Store store = open()) {
            assertThat(store.layers().all()).hasSize(1);
            assertThat(files("layerdb")).hasSize(1);
            assertThat(files("blobs/sha256")).as("the parentless layer's blob went with it").hasSize(1);
        }
    }

    @Test
    void interruptedBlobWritesAreCleanedAtStartup() throws IOException {
        try (Store store = open()) {
            BlobStore.BlobWriter w = store.blobs().newWriter();
            w.stream().write("half a layer".getBytes(StandardCharsets.UTF_8));
            // no commit, no close: the process dies here
        }
        assertThat(files("blobs/tmp")).hasSize(1);
        try (Store store = open()) {
            assertThat(files("blobs/tmp")).isEmpty();
            assertThat(files("blobs/sha256")).isEmpty();
        }
    }

    @Test
    void parentLinksAndChildrenFollowDeletes() throws IOException {
        try (Store store = open()) {
            Image parent = oneLayerImage(store, "p", null);
            byte[] tar = io.imaged.testsupport.Tars.of(java.util.Map.of("file.txt", "p"));
            Image child = store.images().create(config(Digest.sha256(tar), "child"), parent.id());
            assertThat(store.images().children(parent.id())).extracting(Image::id).containsExactly(child.id());
            assertThat(store.images().heads()).extracting(Image::id).containsExactly(child.id());
            store.images().delete(parent.id());
            assertThat(store.images().get(child.id()).parent()).isNull();
        }
        try (Store store = open()) {
            List<Image> all = new ArrayList<>(store.images().all());
            assertThat(all).hasSize(1);
            assertThat(all.get(0).parent()).isNull();
        }
    }

    @Test
    void theStoreKeepsThePulledManifestsOfItsImagesAndTheVerifiedBlobsOfUnfinishedPulls() throws IOException {
        try (Store store = open()) {
            Image img = oneLayerImage(store, "pulled", "test/pulled:1");
            Digest manifest = store.blobs().put("{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8));
            Digest waiting = store.blobs().put("a verified layer whose image is not stored yet".getBytes(StandardCharsets.UTF_8));
            Digest stray = store.blobs().put("nothing uses this".getBytes(StandardCharsets.UTF_8));
            store.distribution().record(img.id(), new DistributionMetadata.Source("127.0.0.1:5000/test/pulled", manifest,
                    "application/vnd.docker.distribution.manifest.v2+json", 20, manifest,
                    "application/vnd.docker.distribution.manifest.v2+json", 20));
            store.partials().markVerified(waiting);

            store.collectGarbage();
            assertThat(store.blobs().exists(manifest)).as("the manifest a push will send again").isTrue();
            assertThat(store.blobs().exists(waiting)).as("a verified blob of an unfinished pull").isTrue();
            assertThat(store.blobs().exists(stray)).isFalse();

            store.partials().clearVerified(waiting);
            store.references().remove(ImageReference.parse("test/pulled:1"));
            store.images().delete(img.id());
            store.collectGarbage();
            assertThat(store.blobs().exists(manifest)).as("gone with its image").isFalse();
            assertThat(store.blobs().exists(waiting)).isFalse();
        }
    }
}
