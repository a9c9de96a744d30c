package io.imaged.pull;

import io.imaged.digest.Digest;
import io.imaged.oci.Descriptor;
import io.imaged.progress.ProgressOutput;
import io.imaged.registry.RegistrySession;
import io.imaged.registry.Retrying;
import io.imaged.store.LayerBlob;
import io.imaged.store.LayerStore;
import io.imaged.store.Lease;
import io.imaged.store.Store;
import io.imaged.transfer.Cancellation;
import io.imaged.transfer.Direction;
import io.imaged.transfer.TransferManager;
import io.imaged.transfer.Transfers;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The layers of one pulled image: the ones not stored yet are fetched in parallel as {@link Direction#DOWNLOAD}
 * transfers of the {@link TransferManager} (daemon-wide slots, {@code imaged.max-concurrent-downloads}, as dockerd's:
 * two pulls at once share the limit; queued layers say {@code Waiting}), each through {@link LayerFetcher} (one
 * download per digest daemon-wide), then checked against the config's diff IDs and registered in order as they
 * complete, with dockerd's progress for each.
 */
@Component
class LayerDownloads {
    private final LayerFetcher fetcher;
    private final Store store;
    private final TransferManager transfers;

    LayerDownloads(LayerFetcher fetcher, Store store, TransferManager transfers) {
        this.fetcher = fetcher;
        this.store = store;
        this.transfers = transfers;
    }

    /**
     * Fetches the layers not yet stored, up to {@code imaged.max-concurrent-downloads} at once, and registers them
     * in order as they complete. Returns whether anything was downloaded.
     */
    boolean fetchAndRegister(RegistrySession session, List<Descriptor> layers, List<Digest> diffIds, Lease lease,
                             ProgressOutput out) throws IOException {
        List<Digest> chains = LayerStore.chainIds(diffIds);
        // every layer of the image is leased before any is looked up: one that is stored now stays stored (a prune
        // running meanwhile keeps it), and one this pull registers is kept until the image commits
        lease.layers(chains);
        boolean[] stored = new boolean[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            stored[i] = store.layers().exists(chains.get(i));
            out.layer(layers.get(i).digest().shortHex(), stored[i] ? "Already exists" : "Pulling fs layer");
        }
        try (Transfers<LayerFetcher.Fetched> batch = transfers.start(Direction.DOWNLOAD, out::gone)) {
            // added in layer order, so that the layers start in order and the ones queued behind this or other
            // pulls say Waiting (dockerd's order)
            List<Transfers.Transfer<LayerFetcher.Fetched>> fetches =
                    new ArrayList<>(Collections.nCopies(layers.size(), null));
            for (int i = 0; i < layers.size(); i++) {
                if (stored[i]) continue;
                Descriptor l = layers.get(i);
                fetches.set(i, batch.add(cancel -> download(session, l, cancel, lease, out),
                        () -> out.layer(l.digest().shortHex(), "Waiting")));
            }
            try {
                return register(session, layers, diffIds, chains, fetches, out);
            } catch (IOException | RuntimeException e) {
                throw batch.stop(e);
            }
        }
    }

    private boolean register(RegistrySession session, List<Descriptor> layers, List<Digest> diffIds, List<Digest> chains,
                             List<Transfers.Transfer<LayerFetcher.Fetched>> fetches,
                             ProgressOutput out) throws IOException {
        boolean downloaded = false;
        for (int i = 0; i < layers.size(); i++) {
            if (fetches.get(i) == null) continue;
            LayerFetcher.Fetched fetched = fetches.get(i).get();
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
    }

    private LayerFetcher.Fetched download(RegistrySession session, Descriptor l, Cancellation cancel,
                                          Lease lease, ProgressOutput out) throws IOException {
        LayerFetcher.Fetched f = fetcher.fetch(session, l.digest(), l.mediaType(), l.size(), new LayerFetcher.Listener() {
            @Override
            public void downloading(long current, long total) throws IOException {
                cancel.check();
                out.progress(l.digest().shortHex(), "Downloading", current, total);
            }

            @Override
            public void verifying() throws IOException {
                out.layer(l.digest().shortHex(), "Verifying Checksum");
            }
        }, lease);
        out.layer(l.digest().shortHex(), "Download complete");
        return f;
    }
}
