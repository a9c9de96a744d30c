package io.imaged.store;

import io.imaged.digest.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Content-addressed blobs (layer tars as pulled or ingested, manifests, indexes): the store's blob content, by
 * digest. A blob appears only complete and verified: it is written through a {@link BlobWriter} and becomes visible
 * when committed under its digest. {@link FsBlobStore} keeps blobs under {@code <data-root>/blobs}; another backend
 * (an object store) implements the same operations, and pull, push, load, save and import use only these.
 * <p>Two operations take or give a local path, because their callers work on local files today; they say so in
 * their names: {@link #adoptLocalFile} (a pull's resumable download is a local file until it is verified) and
 * {@link #localTempDir} (load unpacks an archive to local disk). Everything else streams.
 */
public interface BlobStore {

    boolean exists(Digest d);

    /** Bytes of a stored blob. */
    long size(Digest d) throws IOException;

    /** Reads a stored blob from its start. */
    InputStream open(Digest d) throws IOException;

    /** Starts writing a new blob; {@link BlobWriter#commit commit} it, and close it in any case. */
    BlobWriter newWriter() throws IOException;

    /** Stores a small blob given whole (a manifest, a config); nothing is written when it is stored already. */
    default Digest put(byte[] bytes) throws IOException {
        return put(new java.io.ByteArrayInputStream(bytes), null);
    }

    /** Copies a stream into the store, verifying it against {@code expected} when given. */
    default Digest put(InputStream in, Digest expected) throws IOException {
        try (BlobWriter w = newWriter()) {
            in.transferTo(w.stream());
            return w.commit(expected);
        }
    }

    /**
     * A small blob's bytes (a manifest, a config): null when it is not stored, larger than {@code maxBytes}, or no
     * longer matches its digest.
     */
    default byte[] readVerified(Digest d, long maxBytes) throws IOException {
        if (!exists(d) || size(d) > maxBytes) return null;
        byte[] bytes;
        try (InputStream in = open(d)) {
            bytes = in.readNBytes((int) maxBytes + 1);
        }
        return bytes.length <= maxBytes && Digest.sha256(bytes).equals(d) ? bytes : null;
    }

    /**
     * Filesystem-bound (its argument): takes a local file whose content the caller has already verified to be
     * {@code digest} as that blob, and the file is gone afterwards. The file system store moves it into place (the
     * file is on the same file system: a pull's partial download under the data root); a remote backend uploads
     * it and deletes it. When the blob is stored already the file is just deleted.
     */
    void adoptLocalFile(Path verified, Digest digest) throws IOException;

    /**
     * Filesystem-only: a local directory for a caller's temporary files that are not blobs (load unpacks its
     * archive here), on the data root's disk and emptied at startup. Every backend has one, since what is unpacked
     * there is read back as local files.
     */
    Path localTempDir();

    void delete(Digest d) throws IOException;

    /** Calls back with every stored blob (not with writes in progress). */
    void forEach(Consumer<Digest> each) throws IOException;

    /** Removes every blob not in {@code keep}; returns bytes freed. */
    default long retainOnly(Set<Digest> keep) throws IOException {
        long[] freed = {0};
        forEach(d -> {
            if (!keep.contains(d)) {
                try {
                    freed[0] += size(d);
                    delete(d);
                } catch (IOException ignored) {
                    // gone already
                }
            }
        });
        return freed[0];
    }

    /** How many blobs are stored and their bytes. */
    record Usage(long count, long bytes) {
    }

    /**
     * The blobs' count and bytes, for metrics. This default walks every blob; a backend that can should keep the
     * figures as blobs come and go ({@link FsBlobStore} does), since a scrape asks often.
     */
    default Usage usage() {
        long[] n = {0, 0};
        try {
            forEach(d -> {
                try {
                    n[1] += size(d);
                    n[0]++;
                } catch (IOException gone) {
                    // deleted meanwhile
                }
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new Usage(n[0], n[1]);
    }

    /** Removes what interrupted writes left. At startup only, while no write is running. */
    void removeInterruptedWrites() throws IOException;

    /** A blob being written: hashes and counts the bytes as they go to the store. */
    interface BlobWriter extends AutoCloseable {
        OutputStream stream();

        /** Bytes written so far. */
        long size();

        /**
         * Makes the written bytes durable, verifies them against {@code expected} (when not null; a mismatch
         * throws {@link DigestMismatchException} and stores nothing) and lets the blob appear under its digest.
         */
        Digest commit(Digest expected) throws IOException;

        /** Discards what was written unless it was committed. */
        @Override
        void close() throws IOException;
    }

    final class DigestMismatchException extends IOException {
        public DigestMismatchException(Digest expected, Digest actual) {
            super("digest mismatch: expected " + expected + ", got " + actual);
        }
    }
}
