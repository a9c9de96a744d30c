package io.imaged.store;

import io.imaged.digest.Digest;

import java.io.IOException;
import java.util.function.BiConsumer;

/**
 * Content-addressed storage plus per-digest metadata, after moby's image/fs backend:
 * {@code content/sha256/<hex>} and {@code metadata/sha256/<hex>/<key>}.
 */
public interface StoreBackend {
    /**
     * Calls back with every stored digest whose content verifies, and that content; unverifiable content is
     * removed. The callback may run on several threads at once.
     */
    void walk(BiConsumer<Digest, byte[]> each) throws IOException;

    byte[] get(Digest digest) throws IOException;

    /** Stores content and returns its digest; atomic and durable. */
    Digest set(byte[] content) throws IOException;

    /** Deletes the content and all its metadata. */
    void delete(Digest digest) throws IOException;

    void setMetadata(Digest digest, String key, byte[] value) throws IOException;

    /** The metadata value, or {@code null} when unset. */
    byte[] getMetadata(Digest digest, String key) throws IOException;

    void deleteMetadata(Digest digest, String key) throws IOException;
}
