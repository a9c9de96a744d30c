package io.imaged.store;

import io.imaged.oci.MediaTypes;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.digest.Digest;
import io.imaged.testsupport.Tars;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** What leases keep from garbage collection, and that taking one waits for a collection in progress. */
class LeaseTest {
    @TempDir
    Path dir;

    private Store open() {
        return new Store(io.imaged.testsupport.TestProperties.of(dir), new ObjectMapper());
    }

    @Test
    void aLeasedLayerKeepsItsBlobAndALeasedBlobIsKept() throws Exception {
        try (Store store = open()) {
            byte[] tar = Tars.of(Map.of("a", "a"));
            Digest diffId = store.blobs().put(new ByteArrayInputStream(tar), null);
            store.layers().register(null, diffId, 1, tar.length, new LayerBlob(diffId, MediaTypes.DOCKER_LAYER_TAR, tar.length));
            Digest loose = store.blobs().put("loose".getBytes());
            try (Lease lease = store.lease()) {
                lease.layer(diffId).blob(loose);
                store.collectGarbage();
                assertThat(store.layers().exists(diffId)).isTrue();
                assertThat(store.blobs().exists(diffId)).isTrue();
                assertThat(store.blobs().exists(loose)).isTrue();
            }
            store.collectGarbage();
            assertThat(store.layers().exists(diffId)).isFalse();
            assertThat(store.blobs().exists(diffId)).isFalse();
            assertThat(store.blobs().exists(loose)).isFalse();
        }
    }

    @Test
    void leasingWaitsForACollectionInProgress() throws Exception {
        try (Store store = open()) {
            CompletableFuture<Lease> leasing;
            try (Store.Held collecting = store.write()) { // a collection deciding what to keep
                leasing = CompletableFuture.supplyAsync(() -> store.lease().blob(Digest.sha256("x".getBytes())));
                // bounded wait until the leasing thread queues on the lock: then it is held off, not just slow
                for (int i = 0; i < 1000 && !store.hasWaiters(); i++) Thread.sleep(10);
                assertThat(store.hasWaiters()).as("the lease waits for the collection").isTrue();
                assertThat(leasing).isNotDone();
            }
            leasing.get(10, TimeUnit.SECONDS).close();
        }
    }

    @Test
    void aCollectionLeavesTheTempFilesOfWritesInProgressAndStartupRemovesThem() throws Exception {
        Path tmp = dir.resolve("data-tmp-marker");
        try (Store store = open()) {
            tmp = ((FsBlobStore) store.blobs()).path(Digest.sha256("y".getBytes())).resolveSibling(".tmp-in-progress");
            Files.write(tmp, new byte[]{1});
            store.collectGarbage();
            assertThat(tmp).exists();
        }
        try (Store store = open()) {
            assertThat(tmp).doesNotExist();
        }
    }
}
