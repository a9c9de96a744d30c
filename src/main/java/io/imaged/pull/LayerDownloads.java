package io.imaged.pull;

import io.imaged.transfer.TransferSlots;

import io.imaged.pull.LayerDownloads;
import io.imaged.pull.LayerFetcher;

import io.imaged.config.ImagedProperties;
import io.imaged.digest.Digest;
import io.imaged.error.ClientGoneException;
import io.imaged.oci.Descriptor;
import io.imaged.progress.ProgressOutput;
import io.imaged.registry.RegistrySession;
import io.imaged.registry.Retrying;
import io.imaged.store.LayerBlob;
import io.imaged.store.LayerStore;
import io.imaged.store.Lease;
import io.imaged.store.Store;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The layers of one pulled image: the ones not stored yet are fetched in parallel in daemon-wide download slots
 * ({@code imaged.max-concurrent-downloads}, as dockerd's: two pulls at once share the limit; queued layers say
 * {@code Waiting}), each through {@link LayerFetcher} (one download per digest daemon-wide), then checked against
 * the config's diff IDs and registered in order as they complete, with dockerd's progress for each.
 */
@Component
class LayerDownloads {
    private final LayerFetcher fetcher;
    private final Store store;
    private final ExecutorService downloads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "layer-download");
        t.setDaemon(true);
        return t;
    });
    private final TransferSlots downloadSlots;

    LayerDownloads(LayerFetcher fetcher, Store store, ImagedProperties props) {
        this.fetcher = fetcher;
        this.store = store;
        this.downloadSlots = new TransferSlots(props.maxConcurrentDownloads());
    }

    /**
     * Fetches the layers not yet stored, up to {@code imaged.max-concurrent-downloads} at once, and registers them
     * in order as they complete. Returns whether anything was downloaded.
     */
    boolean fetchAndRegister(RegistrySession session, List<Descriptor> layers, List<Digest> diffIds, Lease lease,
                                ProgressOutput out) throws IOException {
        List<Digest> chains = LayerStore.chainIds(diffIds);
        List<Future<LayerFetcher.Fetched>> futures = new ArrayList<>(java.util.Collections.nCopies(layers.size(), null));
        // after a failure no further layer starts; only a client that went away also stops the running ones (the
        // others finish and are kept, verified, for the next pull — no partial is left behind a failed pull)
        AtomicBoolean failed = new AtomicBoolean();
        AtomicBoolean cancelled = new AtomicBoolean();
        List<TransferSlots.Slot> slots = new ArrayList<>();
        // every layer of the image is leased before any is looked up: one that is stored now stays stored (a prune
        // running meanwhile keeps it), and one this pull registers is kept until the image commits
        lease.layers(chains);
        boolean[] stored = new boolean[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            Descriptor l = layers.get(i);
            stored[i] = store.layers().exists(chains.get(i));
            out.layer(l.digest().shortHex(), stored[i] ? "Already exists" : "Pulling fs layer");
        }
        // places in line are taken here, in layer order, so that the layers start in order and the ones queued
        // behind this or other pulls say Waiting (dockerd's order)
        for (int i = 0; i < layers.size(); i++) {
            if (stored[i]) continue;
            Descriptor l = layers.get(i);
            TransferSlots.Slot slot = downloadSlots.take();
            slots.add(slot);
            if (!slot.ready()) out.layer(l.digest().shortHex(), "Waiting");
            futures.set(i, downloads.submit(() -> download(session, l, slot, failed, cancelled, lease, out)));
        }
        boolean downloaded = false;
        try {
            for (int i = 0; i < layers.size(); i++) {
                Future<LayerFetcher.Fetched> f = futures.get(i);
                if (f == null) continue;
                LayerFetcher.Fetched fetched = await(f);
                Descriptor l = layers.get(i);
                if (!fetched.measurement().diffId().equals(diffIds.get(i))) {
                    throw new Retrying.NotRetryable("layer " + l.digest() + " of " + session.repository()
                            + " does not match the image configuration: its diff ID is " + fetched.measurement().diffId()
                            + ", the config says " + diffIds.get(i));
                }
                out.progress(l.digest().shortHex(), "Extracting", fetched.size(), fetched.size());
                Digest parent = i == 0 ? null : chains.get(i - 1);
                try (Store.Held held = store.read()) {
                    store.layers().register(parent, fetched.measurement().diffId(), fetched.measurement().fileBytes(),
                            fetched.measurement().tarSize(), new LayerBlob(fetched.blob(), l.mediaType(), fetched.size()));
                }
                out.layer(l.digest().shortHex(), "Pull complete");
                downloaded = true;
            }
            return downloaded;
        } catch (IOException | RuntimeException e) {
            failed.set(true);
            if (out.gone() || e instanceof ClientGoneException) cancelled.set(true);
            slots.forEach(TransferSlots.Slot::abandonIfQueued); // queued downloads wake up and stop
            for (Future<LayerFetcher.Fetched> f : futures) {
                if (f == null) continue;
                try {
                    f.get();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                } catch (ExecutionException ignored) {
                    // the first failure is the one reported
                }
            }
            slots.forEach(TransferSlots.Slot::close); // idempotent: those of downloads that never ran
            throw e;
        }
    }

    private LayerFetcher.Fetched download(RegistrySession session, Descriptor l, TransferSlots.Slot slot, AtomicBoolean failed,
                                          AtomicBoolean cancelled, Lease lease, ProgressOutput out)
            throws IOException, InterruptedException {
        try {
            if (!slot.await() || failed.get()) throw new ClientGoneException();
            LayerFetcher.Fetched f = fetcher.fetch(session, l.digest(), l.mediaType(), l.size(), new LayerFetcher.Listener() {
                @Override
                public void downloading(long current, long total) throws IOException {
                    if (cancelled.get()) throw new ClientGoneException();
                    out.progress(l.digest().shortHex(), "Downloading", current, total);
                }

                @Override
                public void verifying() throws IOException {
                    out.layer(l.digest().shortHex(), "Verifying Checksum");
                }
            }, lease);
            out.layer(l.digest().shortHex(), "Download complete");
            return f;
        } finally {
            slot.close();
        }
    }

    private static <T> T await(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException re) throw re;
            throw new IOException(c.getMessage(), c);
        }
    }
}
