package io.imaged.store;

import io.imaged.digest.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The blob count and bytes the metrics read: blobs stored before the store was opened, and those that come and go after. */
class FsBlobStoreUsageTest {
    @TempDir
    Path root;

    @Test
    void countsWhatWasOnDiskAndWhatCameAndWentSince() throws Exception {
        FsBlobStore first = new FsBlobStore(root);
        first.put("one".getBytes(StandardCharsets.UTF_8));
        Digest two = first.put("two!".getBytes(StandardCharsets.UTF_8));

        FsBlobStore reopened = new FsBlobStore(root);
        Digest three = reopened.put("three".getBytes(StandardCharsets.UTF_8));
        reopened.delete(two);
        reopened.put("three".getBytes(StandardCharsets.UTF_8)); // the same blob again counts once
        assertThat(reopened.usage()).isEqualTo(new BlobStore.Usage(2, 3 + 5));

        reopened.delete(three);
        reopened.delete(three); // already gone
        assertThat(reopened.usage()).isEqualTo(new BlobStore.Usage(1, 3));
    }
}
