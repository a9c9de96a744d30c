package io.imaged.error;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.NoSuchFileException;

import static org.assertj.core.api.Assertions.assertThat;

class FileErrorMessagesTest {
    static final String TMP = "/data/root/blobs/sha256/.tmp-abc";
    static final String BLOB = "/data/root/blobs/sha256/0123";

    @Test
    void fileSystemFailuresAreWordedWithoutTheirPaths() {
        String m = ErrorMessages.withoutPaths(new IOException("downloading x failed: " + TMP, new NoSuchFileException(TMP, BLOB, null)));
        assertThat(m).doesNotContain("/data/root").contains("removed while it was in use");
        assertThat(ErrorMessages.withoutPaths(new UncheckedIOException(new AtomicMoveNotSupportedException(TMP, BLOB, "cross-device link"))))
                .isEqualTo("image store error: cross-device link");
        assertThat(ErrorMessages.concernsFiles(new UncheckedIOException(new NoSuchFileException(TMP)))).isTrue();
    }

    @Test
    void otherMessagesAreKept() {
        assertThat(ErrorMessages.withoutPaths(new IOException("manifest unknown"))).isEqualTo("manifest unknown");
        assertThat(ErrorMessages.concernsFiles(new IOException("manifest unknown"))).isFalse();
    }
}
