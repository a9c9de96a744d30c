package io.imaged.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.digest.Digest;
import io.imaged.oci.MediaTypes;
import io.imaged.reference.ImageReference;
import io.imaged.testsupport.Tars;
import io.imaged.testsupport.TestProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Store#commit}: what lands, in which order, what it reports, and what it does when the image is gone. */
class StoreCommitTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json";

    @TempDir
    Path dir;

    private Store open() {
        return new Store(TestProperties.of(dir), JSON);
    }

    /** Stores a one-layer image's blob and layer (as a pull or load does before it commits); returns its config. */
    private static byte[] storeLayerOf(Store store, String content) throws IOException {
        byte[] tar = Tars.of(Map.of("file.txt", content));
        Digest diffId = Digest.sha256(tar);
        store.blobs().put(new ByteArrayInputStream(tar), diffId);
        store.layers().register(null, diffId, content.length(), tar.length, new LayerBlob(diffId, MediaTypes.DOCKER_LAYER_TAR, tar.length));
        return ("{\"architecture\":\"amd64\",\"comment\":\"" + content + "\",\"config\":{},\"created\":\"2024-01-01T00:00:00Z\","
                + "\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
    }

    private static ImageReference ref(String s) {
        return ImageReference.parse(s);
    }

    private static DistributionMetadata.Source source(String repo, Digest manifest) {
        return new DistributionMetadata.Source(repo, manifest, MANIFEST_TYPE, 20, manifest, MANIFEST_TYPE, 20);
    }

    @Test
    void aCommitCreatesTheImageSetsItsReferencesInOrderAndReportsWhatTheyPointedAtBefore() throws IOException {
        Digest oldId;
        Digest newId;
        Instant tagged = Instant.parse("2025-05-01T10:00:00Z");
        try (Store store = open()) {
            Committed first = store.commit(ImageCommit.create(storeLayerOf(store, "old")).withReferences(List.of(ref("demo/app:1"))));
            oldId = first.image().id();
            assertThat(first.created()).isTrue();
            assertThat(first.previous(ref("demo/app:1"))).isNull();
            assertThat(first.image().lastUpdated()).as("no tag time asked for").isNull();

            Committed second = store.commit(ImageCommit.create(storeLayerOf(store, "new"))
                    .withReferences(List.of(ref("demo/app:1"), ref("demo/app:2"), ref("demo/app:2"))).withTagTime(tagged));
            newId = second.image().id();
            assertThat(second.created()).isTrue();
            assertThat(second.references()).extracting(Committed.ReferenceChange::reference)
                    .containsExactly(ref("demo/app:1"), ref("demo/app:2"), ref("demo/app:2"));
            assertThat(second.references()).extracting(Committed.ReferenceChange::previous)
                    .as("the old image, none, then the one just set").containsExactly(oldId, null, newId);
            assertThat(second.image().lastUpdated()).isEqualTo(tagged);
            assertThat(store.images().get(newId).lastUpdated()).isEqualTo(tagged);
            assertThat(store.references().referencesTo(oldId)).isEmpty();

            Committed again = store.commit(ImageCommit.create(store.images().configBytes(newId)));
            assertThat(again.created()).as("the same config bytes name the stored image").isFalse();
            assertThat(again.image().id()).isEqualTo(newId);
        }
        try (Store store = open()) {
            assertThat(store.references().referencesTo(newId)).extracting(ImageReference::familiarString)
                    .containsExactly("demo/app:1", "demo/app:2");
            assertThat(store.images().get(newId).lastUpdated()).isEqualTo(tagged);
            assertThat(store.images().get(oldId)).as("untagged, not removed").isNotNull();
        }
    }

    /** moby's addDigestReference: pulling the arm64 image of an index whose amd64 image is here keeps the old RepoDigest. */
    @Test
    void aDigestReferenceStaysOnTheImageItNamesWhileTheTagMoves() throws IOException {
        ImageReference byDigest = ref("busybox@sha256:" + "d".repeat(64));
        try (Store store = open()) {
            Digest amd64 = store.commit(ImageCommit.create(storeLayerOf(store, "amd64"))
                    .withReferences(List.of(byDigest, ref("busybox:latest")))).image().id();
            Committed arm64 = store.commit(ImageCommit.create(storeLayerOf(store, "arm64"))
                    .withReferences(List.of(byDigest, ref("busybox:latest"))));
            assertThat(arm64.previous(byDigest)).as("reported where it stays").isEqualTo(amd64);
            assertThat(arm64.previous(ref("busybox:latest"))).isEqualTo(amd64);
            assertThat(store.references().get(byDigest)).isEqualTo(amd64);
            assertThat(store.references().get(ref("busybox:latest"))).isEqualTo(arm64.image().id());
            assertThat(store.references().referencesTo(amd64)).containsExactly(byDigest);

            store.commit(ImageCommit.existing(amd64).withReferences(List.of(byDigest)));
            assertThat(store.references().get(byDigest)).as("the same image again: unchanged").isEqualTo(amd64);
        }
    }

    @Test
    void aCommitRecordsTheDistributionSourceAndClearsTheVerifiedPartialMarkersOfItsBlobs() throws IOException {
        try (Store store = open()) {
            byte[] config = storeLayerOf(store, "pulled");
            Digest layerBlob = store.layers().all().iterator().next().blobs().get(0).digest();
            Digest manifest = store.blobs().put("{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8));
            Digest elsewhere = store.blobs().put("a verified blob of another pull".getBytes(StandardCharsets.UTF_8));
            store.partials().markVerified(layerBlob);
            store.partials().markVerified(elsewhere);

            Committed c = store.commit(ImageCommit.create(config)
                    .withReferences(List.of(ref("127.0.0.1:5000/test/pulled@" + manifest), ref("127.0.0.1:5000/test/pulled:1")))
                    .withSource(source("127.0.0.1:5000/test/pulled", manifest))
                    .clearingVerified(List.of(layerBlob)));

            assertThat(store.distribution().sources(c.image().id())).containsExactly(source("127.0.0.1:5000/test/pulled", manifest));
            assertThat(store.partials().blobRoots()).containsExactly(elsewhere);
            assertThat(dir.resolve("partials").resolve(layerBlob.hex() + ".verified")).doesNotExist();

            // the manifest is kept as the image's source, the layer blob by its layer
            store.partials().clearVerified(elsewhere);
            store.collectGarbage();
            assertThat(store.blobs().exists(manifest)).isTrue();
            assertThat(store.blobs().exists(layerBlob)).isTrue();
            assertThat(store.blobs().exists(elsewhere)).isFalse();

            // a push to another repository adds a source to the stored image
            Digest pushed = store.blobs().put("{\"schemaVersion\":2,\"pushed\":true}".getBytes(StandardCharsets.UTF_8));
            Committed push = store.commit(ImageCommit.existing(c.image().id())
                    .withReferences(List.of(ref("127.0.0.1:5000/other/app@" + pushed)))
                    .withSource(source("127.0.0.1:5000/other/app", pushed)));
            assertThat(push.created()).isFalse();
            assertThat(store.distribution().sources(c.image().id())).containsExactly(
                    source("127.0.0.1:5000/test/pulled", manifest), source("127.0.0.1:5000/other/app", pushed));
        }
    }

    @Test
    void aCommitOnAStoredImageThatWasRemovedMeanwhileChangesNothing() throws IOException {
        try (Store store = open()) {
            byte[] config = storeLayerOf(store, "removed");
            Digest layerBlob = store.layers().all().iterator().next().blobs().get(0).digest();
            Image img = store.commit(ImageCommit.create(config).withReferences(List.of(ref("demo/gone:1")))).image();
            Digest manifest = store.blobs().put("{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8));
            store.partials().markVerified(layerBlob);

            // an rmi between the caller's look and its commit
            try (Store.Held held = store.write()) {
                store.references().remove(ref("demo/gone:1"));
                store.images().delete(img.id());
            }

            Committed c = store.commit(ImageCommit.existing(img.id())
                    .withReferences(List.of(ref("demo/gone:2"), ref("demo/gone@" + manifest)))
                    .withTagTime(Instant.now())
                    .withSource(source("docker.io/demo/gone", manifest))
                    .clearingVerified(List.of(layerBlob)));

            assertThat(c.landed()).isFalse();
            assertThat(c.image()).isNull();
            assertThat(c.references()).isEmpty();
            assertThat(store.references().snapshot()).as("no reference to a missing image").isEmpty();
            assertThat(store.distribution().sources(img.id())).isEmpty();
            assertThat(store.images().get(img.id())).isNull();
            assertThat(store.partials().blobRoots()).as("kept for the pull that fetches the image again").containsExactly(layerBlob);
        }
    }

    @Test
    void aCommitIsOneChangeUnderTheWriteHold() throws Exception {
        try (Store store = open()) {
            byte[] config = storeLayerOf(store, "held");
            CompletableFuture<Committed> committing;
            try (Store.Held reading = store.read()) {
                committing = CompletableFuture.supplyAsync(() -> {
                    try {
                        return store.commit(ImageCommit.create(config).withReferences(List.of(ref("demo/held:1"))));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                for (int i = 0; i < 1000 && !store.hasWaiters(); i++) Thread.sleep(10);
                assertThat(store.hasWaiters()).as("the commit waits for the reader").isTrue();
                assertThat(committing).isNotDone();
                assertThat(store.images().count()).isZero();
                assertThat(store.references().snapshot()).isEmpty();
            }
            Committed c = committing.get(10, TimeUnit.SECONDS);
            assertThat(store.references().get(ref("demo/held:1"))).isEqualTo(c.image().id());
        }
    }

    @Test
    void aCommitNamesEitherConfigBytesOrAStoredImage() {
        assertThatThrownBy(() -> new ImageCommit(null, null, null, List.of(), null, null, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ImageCommit(new byte[]{'{', '}'}, Digest.sha256("x"), null, List.of(), null, null, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ImageCommit.existing(Digest.sha256("x")).withParent(Digest.sha256("y")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aChildCreatedByACommitKeepsItsParent() throws IOException {
        try (Store store = open()) {
            Image parent = store.commit(ImageCommit.create(storeLayerOf(store, "parent"))).image();
            byte[] childConfig = new String(store.images().configBytes(parent.id()), StandardCharsets.UTF_8)
                    .replace("\"comment\":\"parent\"", "\"comment\":\"child\"").getBytes(StandardCharsets.UTF_8);
            Image child = store.commit(ImageCommit.create(childConfig).withParent(parent.id())).image();
            assertThat(child.parent()).isEqualTo(parent.id());
            assertThat(store.images().children(parent.id())).extracting(Image::id).containsExactly(child.id());
        }
    }

    @Test
    void aStoreRunsOnAnotherReferenceCatalog() throws IOException {
        MemoryReferences references = new MemoryReferences();
        StoreBackends.Opener opener = root -> new StoreBackends(new FsBlobStore(root.resolve("blobs")),
                new FsStoreBackend(root.resolve("image")), references);
        try (Store store = new Store(TestProperties.of(dir), JSON, opener)) {
            Image img = store.commit(ImageCommit.create(storeLayerOf(store, "elsewhere"))
                    .withReferences(List.of(ref("demo/b:1"), ref("demo/a:1")))).image();
            assertThat(references.byName).containsOnlyKeys("docker.io/demo/b:1", "docker.io/demo/a:1");
            assertThat(store.references().referencesTo(img.id())).extracting(ImageReference::familiarString)
                    .containsExactly("demo/a:1", "demo/b:1");
        }
        assertThat(dir.resolve("references")).as("nothing of the file system catalog").doesNotExist();
    }

    /** The least a reference catalog needs: a map. */
    private static final class MemoryReferences implements ReferenceStore {
        final Map<String, Digest> byName = new java.util.TreeMap<>();

        @Override
        public synchronized Digest put(ImageReference ref, Digest image) {
            return byName.put(ref.toString(), image);
        }

        @Override
        public synchronized boolean remove(ImageReference ref) {
            return byName.remove(ref.toString()) != null;
        }

        @Override
        public synchronized Digest get(ImageReference ref) {
            return byName.get(ref.toString());
        }

        @Override
        public synchronized List<ImageReference> referencesTo(Digest image) {
            return byName.entrySet().stream().filter(e -> e.getValue().equals(image)).map(e -> ImageReference.parse(e.getKey()))
                    .sorted(java.util.Comparator.comparing(ImageReference::familiarString)).toList();
        }

        @Override
        public synchronized Map<String, Digest> snapshot() {
            return Map.copyOf(byName);
        }

        @Override
        public synchronized java.util.Collection<Digest> referencedImages() {
            return java.util.Set.copyOf(byName.values());
        }

        @Override
        public void close() {
        }
    }
}
