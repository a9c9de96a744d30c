package io.imaged.store;

import io.imaged.digest.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class PartialDownloadsTest {
    @TempDir
    Path root;

    @Test
    void expiredPartialsAreRemovedAndVerifiedBlobsAreGcRoots() throws Exception {
        PartialDownloads partials = new PartialDownloads(root.resolve("partials"), Duration.ofHours(1));
        Digest old = Digest.sha256("old");
        Digest fresh = Digest.sha256("fresh");
        Files.write(partials.part(old), new byte[10]);
        Files.setLastModifiedTime(partials.part(old), FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Files.write(partials.part(fresh), new byte[10]);
        partials.markVerified(fresh);
        assertThat(partials.blobRoots()).containsExactly(fresh);

        partials.cleanup();
        assertThat(Files.exists(partials.part(old))).isFalse();
        assertThat(Files.exists(partials.part(fresh))).isTrue();

        partials.clearVerified(fresh);
        assertThat(partials.blobRoots()).isEmpty();
    }
}
