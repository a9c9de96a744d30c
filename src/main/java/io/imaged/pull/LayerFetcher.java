package io.imaged.pull;

import io.imaged.error.ClientGoneException;
import io.imaged.config.ImagedProperties;
import io.imaged.layer.Decompression;
import io.imaged.layer.TarMeasurement;
import io.imaged.layer.TarMeasurer;
import io.imaged.registry.RegistrySession;
import io.imaged.registry.Retrying;
import io.imaged.digest.Digest;
import io.imaged.store.Lease;
import io.imaged.store.PartialDownloads;
import io.imaged.store.Store;
import io.imaged.transfer.Cancellation;
import io.imaged.transfer.SingleFlight;
import io.imaged.transfer.TransferManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Downloads one layer blob in a single streaming pass: the bytes from the network are appended to a resumable
 * partial file and, at the same time, hashed (blob digest), counted, decompressed and run through
 * {@link TarMeasurer} (diff ID, tar size, file bytes); the decompressing half runs on a second thread fed through
 * a {@link ChunkPipe}, so that one layer keeps two cores busy (the last layer of a pull often runs alone). A broken or stalled connection is resumed with a Range
 * request from the byte where it stopped (the bytes already on disk are re-read to rebuild the hash and
 * decompressor state). Only a blob whose digest and size verify enters the blob store, kept exactly as it came.
 * Two pulls of the same blob at once share one download.
 */
@Component
public class LayerFetcher {
    private static final Logger log = LoggerFactory.getLogger(LayerFetcher.class);
    /**
     * How many times a resume answered with the whole blob (200 to a Range request) may start the download over
     * from byte 0. A registry without Range support on a flaky link still gets a few full tries; one that also
     * cuts every answer would otherwise be re-downloaded forever (dockerd fails the first such answer with
     * "expected HTTP 206 from byte range request").
     */
    static final int MAX_RESTARTS_FROM_ZERO = 2;
    /** dockerd's words (distribution's ErrWrongCodeForByteRange). */
    static final String RANGE_IGNORED = "expected HTTP 206 from byte range request";
    private final Store store;
    private final PartialDownloads partials;
    private final ImagedProperties props;
    private final SingleFlight<Digest, Fetched> downloads = new SingleFlight<>();
    private final TransferManager transfers;

    public LayerFetcher(Store store, ImagedProperties props, TransferManager transfers) {
        this.store = store;
        this.partials = store.partials();
        this.props = props;
        this.transfers = transfers;
    }

    /**
     * A fetched, verified layer blob and what its tar holds.
     *
     * @param blob        digest of the blob as stored (compressed, as it came)
     * @param mediaType   the blob's media type from the manifest
     * @param size        bytes of the blob
     * @param measurement diff ID, tar size and file bytes of the uncompressed tar
     */
    public record Fetched(Digest blob, String mediaType, long size, TarMeasurement measurement) {
    }

    /** Progress callbacks of one download; they may throw when the client has gone (that cancels the download). */
    public interface Listener {
        void downloading(long current, long total) throws IOException;

        void verifying() throws IOException;
    }

    /** Fetches a blob (or joins a fetch of it already running) and measures its tar. */
    public Fetched fetch(RegistrySession session, Digest digest, String mediaType, long size, Listener listener,
                         Lease lease) throws IOException {
        while (true) {
            try {
                Fetched f = downloads.run(digest, () -> fetchAlone(session, digest, mediaType, size, listener, lease));
                lease.blob(f.blob());
                // a joined download's blob may have been collected since (its image removed): fetch it again
                if (store.blobs().exists(f.blob())) return f;
            } catch (SingleFlight.JoinedRunFailed e) {
                Throwable c = e.getCause();
                // the other pull was stopped (its client left): carry on ourselves, from where it stopped
                if (!Cancellation.isStop(c)) throw SingleFlight.unwrap(e);
            }
        }
    }

    private Fetched fetchAlone(RegistrySession session, Digest digest, String mediaType, long size, Listener listener,
                               Lease lease) throws IOException {
        lease.blob(digest);
        if (store.blobs().exists(digest)) {
            // verified earlier (a previous, interrupted pull, or another image): measure locally, no network
            try (InputStream in = store.blobs().open(digest); InputStream tar = Decompression.detect(in)) {
                TarMeasurement m = TarMeasurer.measure(tar, null);
                return new Fetched(digest, mediaType, store.blobs().size(digest), m);
            }
        }
        long maxLayerBytes = props.registry().maxLayerBytes().toBytes();
        if (size > maxLayerBytes) {
            throw new Retrying.NotRetryable("layer " + digest + " declares " + size + " bytes, more than the "
                    + maxLayerBytes + " bytes imaged accepts for a layer (imaged.registry.max-layer-bytes)");
        }
        Path part = partials.part(digest);
        partials.touch(part);
        // attempts in a row that did not get further into the blob than any attempt before; only going past the
        // furthest point reached counts as progress (re-downloading the same first bytes after a restart does not)
        int failures = 0;
        int restarts = 0;
        long furthest = -1;
        long backoff = Math.max(1, props.registry().retryBackoff().toMillis());
        while (true) {
            long have = Files.exists(part) ? Files.size(part) : 0;
            if (size >= 0 && have > size) {
                Files.deleteIfExists(part);
                have = 0;
            }
            if (furthest < 0) furthest = have;
            DownloadAttempt attempt = new DownloadAttempt(store, transfers, session, digest, size, part, have, listener, restarts);
            try {
                Fetched f = attempt.run(mediaType);
                store.blobs().adoptLocalFile(part, digest);
                partials.markVerified(digest);
                return f;
            } catch (ClientGoneException gone) {
                throw gone;
            } catch (IOException e) {
                if (attempt.restartedFromZero) restarts++;
                if (!Retrying.retryable(e)) throw e;
                long reached = attempt.begin + attempt.received;
                if (reached > furthest) {
                    furthest = reached;
                    failures = 0;
                }
                failures++;
                if (failures >= Math.max(1, props.registry().maxAttempts())) {
                    throw new IOException("downloading " + digest + " from " + session.endpoint().name() + " failed after "
                            + failures + (failures == 1 ? " attempt" : " attempts") + " without progress"
                            + (attempt.restartedFromZero ? " (" + RANGE_IGNORED + ")" : "") + ": " + e.getMessage(), e);
                }
                long sleep = Math.min(backoff << Math.min(failures - 1, 6), backoff * 32);
                log.info("download of {} from {} broke after {} bytes ({}); resuming in {} ms", digest,
                        session.endpoint().name(), have + attempt.received, e.getMessage(), sleep);
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted");
                }
            }
        }
    }
}
