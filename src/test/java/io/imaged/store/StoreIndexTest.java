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
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The index a clean close writes and the next open reads instead of every config: the same catalog comes back, the
 * index is used once, a crash (no close) or files changed behind the store's back lead to the full recovery, and
 * damage the index cannot see is found by the check after the start.
 */
class StoreIndexTest {
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    @TempDir
    Path dir;

    private Store open() {
        return new Store(TestProperties.of(dir), JSON);
    }

    private static Image image(Store store, String content, String tag, Digest parent) throws IOException {
        byte[] tar = Tars.of(Map.of("file.txt", content));
        Digest diffId = Digest.sha256(tar);
        store.blobs().put(new ByteArrayInputStream(tar), diffId);
        store.layers().register(null, diffId, content.length(), tar.length, new LayerBlob(diffId, MediaTypes.DOCKER_LAYER_TAR, tar.length));
        byte[] config = ("{\"architecture\":\"arm64\",\"variant\":\"v8\",\"os\":\"linux\",\"created\":\"2024-01-0" + content.length()
                + "T00:00:00.123456789Z\",\"config\":{\"Labels\":{\"b\":\"2\",\"a\":\"1\"}},\"comment\":\"" + content
                + "\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
        Image img = store.images().create(config, parent);
        store.references().put(ImageReference.parse(tag), img.id());
        return img;
    }

    private static boolean fromIndex(Store store) throws ReflectiveOperationException {
        Field f = Store.class.getDeclaredField("fromIndex");
        f.setAccessible(true);
        return (boolean) f.get(store);
    }

    @Test
    void aCleanCloseWritesTheIndexAndTheNextOpenTakesTheSameCatalogFromIt() throws Exception {
        Image parent, child;
        try (Store store = open()) {
            parent = image(store, "one", "demo/one:1", null);
            child = image(store, "three", "demo/three:1", parent.id());
            store.commit(ImageCommit.existing(child.id()).withReferences(java.util.List.of(ImageReference.parse("demo/three:2")))
                    .withTagTime(Instant.parse("2025-05-05T05:05:05.5Z")));
        }
        assertThat(dir.resolve(StoreIndex.FILE)).exists();
        try (Store store = open()) {
            assertThat(fromIndex(store)).isTrue();
            assertThat(dir.resolve(StoreIndex.FILE)).as("taken: a crash from now on means the full recovery").doesNotExist();
            assertThat(store.images().all()).extracting(Image::id).containsExactly(child.id(), parent.id());
            Image c = store.images().get(child.id());
            assertThat(c.parent()).isEqualTo(parent.id());
            assertThat(c.config()).isEqualTo(child.config());
            assertThat(c.config().labels()).containsExactly(Map.entry("b", "2"), Map.entry("a", "1"));
            assertThat(c.config().architecture()).isSameAs("arm64".intern());
            assertThat(c.lastUpdated()).isEqualTo(Instant.parse("2025-05-05T05:05:05.5Z"));
            assertThat(store.images().children(parent.id())).extracting(Image::id).containsExactly(child.id());
            assertThat(store.layers().all()).hasSize(2);
            assertThat(store.references().snapshot()).containsOnlyKeys("docker.io/demo/one:1", "docker.io/demo/three:1",
                    "docker.io/demo/three:2");
            assertThat(store.verifyIndexed()).as("nothing changed behind the store's back").isFalse();
            assertThat(store.images().count()).isEqualTo(2);
        }
    }

    @Test
    void aCrashWritesNoIndexAndTheNextOpenReadsEveryImage() throws Exception {
        Store crashed = open();
        Image img = image(crashed, "one", "demo/one:1", null);
        // no close: the process died
        try (Store store = open()) {
            assertThat(fromIndex(store)).isFalse();
            assertThat(store.images().get(img.id())).isNotNull();
        }
    }

    @Test
    void aConfigAddedOrRemovedBehindTheStoresBackVoidsTheIndex() throws Exception {
        Image img;
        try (Store store = open()) {
            img = image(store, "one", "demo/one:1", null);
        }
        Files.delete(dir.resolve("image/content/sha256").resolve(img.id().hex()));
        try (Store store = open()) {
            assertThat(fromIndex(store)).isFalse();
            assertThat(store.images().all()).isEmpty();
            assertThat(store.references().snapshot()).isEmpty();
        }
    }

    @Test
    void aConfigDamagedInPlaceIsFoundByTheCheckAfterTheStartAndRemovedAsAFullStartWould() throws Exception {
        Image keep, damaged;
        try (Store store = open()) {
            keep = image(store, "keep", "demo/keep:1", null);
            damaged = image(store, "gone", "demo/gone:1", null);
        }
        Path config = dir.resolve("image/content/sha256").resolve(damaged.id().hex());
        var mtime = Files.getLastModifiedTime(config.getParent());
        Files.writeString(config, "{\"architecture\":"); // same name, other bytes: the directory looks unchanged
        Files.setLastModifiedTime(config.getParent(), mtime);
        try (Store store = open()) {
            assertThat(fromIndex(store)).isTrue();
            assertThat(store.verifyIndexed()).isTrue();
            assertThat(store.images().all()).extracting(Image::id).containsExactly(keep.id());
            assertThat(store.references().snapshot()).containsOnlyKeys("docker.io/demo/keep:1");
            assertThat(config).doesNotExist();
        }
    }

    @Test
    void anIndexOfAnotherVersionOrCutShortIsIgnored() throws Exception {
        Image img;
        try (Store store = open()) {
            img = image(store, "one", "demo/one:1", null);
        }
        Files.write(dir.resolve(StoreIndex.FILE), new byte[] {0x49, 0x4d, 0x47}); // cut short
        try (Store store = open()) {
            assertThat(fromIndex(store)).isFalse();
            assertThat(store.images().get(img.id())).isNotNull();
        }
        byte[] index = Files.readAllBytes(dir.resolve(StoreIndex.FILE));
        index[7] = 99; // the format version (an int after the 4-byte magic)
        Files.write(dir.resolve(StoreIndex.FILE), index);
        try (Store store = open()) {
            assertThat(fromIndex(store)).isFalse();
            assertThat(store.images().get(img.id())).isNotNull();
        }
        byte[] cut = Files.readAllBytes(dir.resolve(StoreIndex.FILE));
        Files.write(dir.resolve(StoreIndex.FILE), java.util.Arrays.copyOf(cut, cut.length - 1)); // the end marker torn
        try (Store store = open()) {
            assertThat(fromIndex(store)).isFalse();
            assertThat(store.images().get(img.id())).isNotNull();
        }
    }
}
