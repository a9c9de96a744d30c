package io.imaged.push;

import io.imaged.transfer.Cancellation;

import io.imaged.progress.ProgressOutput;

import io.imaged.reference.ImageReference;
import io.imaged.registry.RegistryException;
import io.imaged.registry.RegistrySession;
import io.imaged.digest.Digest;
import io.imaged.store.Layer;
import io.imaged.store.BlobLocations;
import io.imaged.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sends one layer blob of a push to the registry, as dockerd does: nothing when the registry has it (HEAD), a
 * cross-repository mount from a repository of the same registry known to hold it (earlier pushes, or the pull it
 * came from), else an upload — in one request, or in chunks when the registry refuses that — with {@code Pushing}
 * progress that stops at the next chunk once the push is cancelled.
 */
final class BlobSender {
    private static final Logger log = LoggerFactory.getLogger(BlobSender.class);
    /** Chunks for registries that refuse a whole blob in one request: below the 1 MiB body limit nginx applies by default. */
    private static final int CHUNK_SIZE = (1 << 20) - (16 << 10);
    private static final long PROGRESS_INTERVAL_NANOS = 100_000_000L;
    private final Store store;
    private final BlobLocations locations;

    BlobSender(Store store) {
        this.store = store;
        this.locations = store.blobLocations();
    }

    /** HEAD, else mount from a repository of the same registry known to have it, else upload. */
    void send(RegistrySession session, ImageReference target, LayerUploads.Sent u, Map<Digest, Set<String>> pulledFrom,
              Cancellation cancel, ProgressOutput out) throws IOException {
        String id = u.shortId();
        Digest d = u.blob().digest();
        cancel.check();
        if (session.blobExists(d)) {
            out.layer(id, "Layer already exists");
            return;
        }
        URI location = null;
        for (String from : mountCandidates(target, d, pulledFrom)) {
            try {
                RegistrySession.MountResult m = session.mount(d, from);
                if (m.mounted()) {
                    out.layer(id, "Mounted from " + from);
                    return;
                }
                location = m.location();
                break;
            } catch (RegistryException e) {
                log.debug("mount of {} from {} failed: {}", d, from, e.getMessage());
            }
        }
        cancel.check();
        if (location == null) location = session.startUpload();
        long size = u.blob().size() > 0 ? u.blob().size() : store.blobs().size(d);
        Progress progress = new Progress(id, size, cancel, out);
        try {
            session.uploadBlob(location, d, size, () -> progress.wrap(open(d)));
        } catch (RegistryException e) {
            if (e.status() != 413) throw e;
            // the registry (or a proxy in front of it) refuses a whole blob in one request: send it in chunks
            log.info("registry {} refused {} in one request; uploading in chunks", session.endpoint().name(), d);
            session.uploadChunked(session.startUpload(), d, size, () -> progress.wrap(open(d)), CHUNK_SIZE);
        }
        out.layer(id, "Pushed");
    }

    private InputStream open(Digest d) {
        try {
            return store.blobs().open(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Repository paths on the target's registry (other than the target) where the blob is known to be: earlier
     * pushes ({@link BlobLocations}), then the repositories the image was pulled from whose manifest names it.
     */
    private List<String> mountCandidates(ImageReference target, Digest d, Map<Digest, Set<String>> pulledFrom) {
        Set<String> out = new LinkedHashSet<>();
        List<String> known = new ArrayList<>(locations.repositories(d));
        java.util.Collections.reverse(known); // most recent first
        known.addAll(pulledFrom.getOrDefault(d, Set.of()));
        for (String repo : known) {
            ImageReference r;
            try {
                r = ImageReference.parse(repo);
            } catch (RuntimeException e) {
                continue;
            }
            if (r.domain().equals(target.domain()) && !r.path().equals(target.path())) out.add(r.path());
        }
        return List.copyOf(out).subList(0, Math.min(out.size(), 3));
    }

    /**
     * "Pushing" progress as the bytes go out, at most every 100 ms; every read first checks the push is still wanted,
     * so a cancelled push (the client went away) stops sending at its next chunk.
     */
    private static final class Progress {
        private final String id;
        private final long total;
        private final Cancellation cancel;
        private final ProgressOutput out;
        private volatile long last;

        Progress(String id, long total, Cancellation cancel, ProgressOutput out) {
            this.id = id;
            this.total = total;
            this.cancel = cancel;
            this.out = out;
        }

        InputStream wrap(InputStream in) {
            return new FilterInputStream(in) {
                long count;

                @Override
                public int read() throws IOException {
                    cancel.check();
                    int b = super.read();
                    if (b >= 0) report(++count);
                    return b;
                }

                @Override
                public int read(byte[] buf, int off, int len) throws IOException {
                    cancel.check();
                    int n = super.read(buf, off, len);
                    if (n > 0) report(count += n);
                    return n;
                }
            };
        }

        void report(long current) throws IOException {
            long now = System.nanoTime();
            if (now - last < PROGRESS_INTERVAL_NANOS && current < total) return;
            last = now;
            out.progress(id, "Pushing", current, total);
        }
    }
}
