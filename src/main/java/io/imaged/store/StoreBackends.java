package io.imaged.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The parts of the store a backend provides: blob content ({@link BlobStore}), the image catalog's content and
 * metadata ({@link StoreBackend}: configs, parent, last tag time, distribution sources) and the reference catalog
 * ({@link ReferenceStore}). The rest of the data root (layer records, partial downloads, blob locations, the
 * engine ID) stays on the local file system whatever the backend.
 */
public record StoreBackends(BlobStore blobs, StoreBackend images, ReferenceStore references) {
    public StoreBackends {
        Objects.requireNonNull(blobs, "blobs");
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(references, "references");
    }

    /** Opens the backends of a store whose data root is given (made and secured already). */
    @FunctionalInterface
    public interface Opener {
        StoreBackends open(Path dataRoot) throws IOException;
    }

    /** Everything on the file system under the data root: {@code blobs/}, {@code image/}, {@code references/}. */
    public static StoreBackends filesystem(Path dataRoot) throws IOException {
        return new StoreBackends(new FsBlobStore(dataRoot.resolve("blobs")), new FsStoreBackend(dataRoot.resolve("image")),
                new FsReferenceStore(dataRoot.resolve("references")));
    }
}
