package io.imaged.store;

import io.imaged.digest.Digest;
import io.imaged.reference.ImageReference;

import java.io.Closeable;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The reference catalog: {@code repo:tag} and {@code repo@digest} → image ID, with the reverse index per image.
 * Every change is durable when the call returns. {@link FsReferenceStore} keeps it in memory with a snapshot and a
 * journal on disk; a database backend implements the same operations. Images gain references only through
 * {@link Store#commit}; {@code rmi} and prune remove them here directly.
 */
public interface ReferenceStore extends Closeable {

    /** Points {@code ref} at {@code image}; returns the image it pointed at before (null: none). */
    Digest put(ImageReference ref, Digest image) throws IOException;

    /** Removes {@code ref}; false when it was not set. */
    boolean remove(ImageReference ref) throws IOException;

    /** The image {@code ref} points at, or null. */
    Digest get(ImageReference ref);

    /** All references to an image, ordered as moby orders an image's references (by their familiar form). */
    List<ImageReference> referencesTo(Digest image);

    /** Every reference (full string, sorted) and its image, as of now. */
    Map<String, Digest> snapshot();

    /** The images that have at least one reference. */
    Collection<Digest> referencedImages();

    /** How many references there are (for the startup log line; it need not parse them). */
    default int size() {
        return snapshot().size();
    }

    @Override
    void close() throws IOException;
}
