package io.imaged.push;

import io.imaged.transfer.TransferSlots;

import io.imaged.push.PushService;
import io.imaged.push.LayerUploads;
import io.imaged.push.BlobSender;
import io.imaged.push.LayerCompressor;
import io.imaged.push.Cancellation;

import io.imaged.oci.MediaTypes;

import io.imaged.error.ClientGoneException;

import io.imaged.progress.ProgressOutput;
import io.imaged.oci.Descriptor;
import io.imaged.oci.ManifestCodec;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.config.ImagedProperties;
import io.imaged.reference.ImageReference;
import io.imaged.registry.RegistrySession;
import io.imaged.digest.Digest;
import io.imaged.store.Image;
import io.imaged.store.Layer;
import io.imaged.store.LayerBlob;
import io.imaged.store.BlobLocations;
import io.imaged.store.DistributionMetadata;
import io.imaged.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The layer half of a push: for each layer the blob to send (a stored compressed one, preferring one the target
 * registry already knows, else the tar gzipped once by {@link LayerCompressor}), then HEAD, cross-repository
 * mount or upload (monolithic, or chunked when the registry refuses a whole blob), with {@code Pushing} progress.
 * Transfers run in daemon-wide upload slots ({@link TransferSlots}, {@code imaged.max-concurrent-uploads}), fail
 * fast and stop when the client goes away ({@link Cancellation}). {@link PushService} does the manifests.
 */
@Component
class LayerUploads {
    private static final Logger log = LoggerFactory.getLogger(LayerUploads.class);
    private static final long STOP_WAIT_SECONDS = 30;
    private final Store store;
    private final BlobLocations locations;
    private final LayerCompressor compressor;
    private final DistributionMetadata distribution;
    private final ObjectMapper json;
    private final TransferSlots slots;
    private final BlobSender sender;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "layer-upload");
        t.setDaemon(true);
        return t;
    });

    LayerUploads(Store store, LayerCompressor compressor, ObjectMapper json, ImagedProperties props) {
        this.store = store;
        this.locations = store.blobLocations();
        this.compressor = compressor;
        this.distribution = store.distribution();
        this.json = json;
        this.slots = new TransferSlots(props.maxConcurrentUploads());
        this.sender = new BlobSender(store);
    }

    /** What went up for one layer: the blob and how the manifest names it. */
    record Sent(Layer layer, LayerBlob blob, String manifestMediaType) {
        String shortId() {
            return layer.diffId().shortHex();
        }
    }

    /**
     * Prepares and sends the layers as dockerd's upload manager does: {@code Preparing} for each, top first; one
     * transfer per distinct layer (a layer twice in the image goes up once); the transfers that get one of the
     * daemon-wide slots start at once, the others say {@code Waiting} and start in order as slots free up.
     * Fails fast: the first failure — or the client going away — cancels the other transfers, and this returns
     * only once none of them is still running.
     */
    Sent[] upload(RegistrySession session, ImageReference ref, Image img, List<Layer> layers, List<LayerBlob> fixedBlobs,
                  Set<Digest> pushed, ProgressOutput out) throws IOException {
        Map<Digest, Set<String>> pulledFrom = pulledFrom(img);
        Map<String, Integer> transfers = new LinkedHashMap<>(); // key -> the layer (index) whose transfer it is
        String[] keys = new String[layers.size()];
        for (int i = layers.size() - 1; i >= 0; i--) {
            Layer l = layers.get(i);
            out.layer(l.diffId().shortHex(), "Preparing");
            keys[i] = l.diffId() + (fixedBlobs == null ? "" : " " + fixedBlobs.get(i).digest());
            transfers.putIfAbsent(keys[i], i);
        }
        Sent[] done = new Sent[layers.size()];
        Cancellation cancel = new Cancellation(out);
        List<TransferSlots.Slot> taken = new ArrayList<>();
        try {
            for (int i : transfers.values()) {
                TransferSlots.Slot slot = slots.take();
                taken.add(slot);
                if (!slot.ready()) out.layer(layers.get(i).diffId().shortHex(), "Waiting");
            }
            List<CompletableFuture<Void>> tasks = new ArrayList<>();
            int k = 0;
            for (int i : transfers.values()) {
                TransferSlots.Slot slot = taken.get(k++);
                Layer l = layers.get(i);
                LayerBlob fixed = fixedBlobs == null ? null : fixedBlobs.get(i);
                tasks.add(CompletableFuture.runAsync(() -> {
                    cancel.enter();
                    try (slot) {
                        if (!slot.await()) throw new InterruptedIOException("cancelled");
                        cancel.check();
                        done[i] = pushLayer(session, ref, pulledFrom, l, fixed, pushed, cancel, out);
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    } catch (InterruptedException e) {
                        throw new CompletionException(new InterruptedIOException("interrupted"));
                    } finally {
                        cancel.leave();
                    }
                }, threads));
            }
            awaitAll(tasks, taken, cancel);
        } finally {
            taken.forEach(TransferSlots.Slot::close); // those of transfers that never started
        }
        for (int i = 0; i < layers.size(); i++) if (done[i] == null) done[i] = done[transfers.get(keys[i])];
        return done;
    }

    /** Waits for every transfer; on the first failure cancels the others and waits (bounded) for them to stop. */
    private void awaitAll(List<CompletableFuture<Void>> tasks, List<TransferSlots.Slot> slots, Cancellation cancel)
            throws IOException {
        CompletableFuture<Void> all = CompletableFuture.allOf(tasks.toArray(CompletableFuture[]::new));
        CompletableFuture<Throwable> firstFailure = new CompletableFuture<>();
        for (CompletableFuture<Void> t : tasks) t.whenComplete((v, e) -> {
            if (e != null) firstFailure.complete(e);
        });
        Throwable failure = null;
        try {
            Object first = CompletableFuture.anyOf(all, firstFailure).get();
            if (first instanceof Throwable t) failure = t;
        } catch (ExecutionException e) {
            failure = e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = new InterruptedIOException("interrupted");
        }
        if (failure == null) return;
        cancel.cancel();
        slots.forEach(TransferSlots.Slot::abandonIfQueued);
        try {
            all.get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | CancellationException expected) {
            // the failures of the cancelled transfers
        } catch (TimeoutException e) {
            log.warn("layer uploads still running {} s after the push was cancelled", STOP_WAIT_SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        while ((failure instanceof CompletionException || failure instanceof ExecutionException) && failure.getCause() != null) {
            failure = failure.getCause();
        }
        if (cancel.clientGone()) throw new ClientGoneException();
        if (failure instanceof IOException io) throw io;
        if (failure instanceof UncheckedIOException uio) throw uio.getCause();
        if (failure instanceof RuntimeException re) throw re;
        throw new IOException(failure.getMessage(), failure);
    }

    /** One layer's transfer, in its upload slot: already pushed for another tag, else {@link BlobSender#send}. */
    private Sent pushLayer(RegistrySession session, ImageReference target, Map<Digest, Set<String>> pulledFrom,
                                  Layer layer, LayerBlob fixed, Set<Digest> pushed, Cancellation cancel,
                                  ProgressOutput out) throws IOException {
        Sent u = fixed != null ? new Sent(layer, fixed, fixed.mediaType()) : choose(layer, target, pulledFrom);
        Digest d = u.blob().digest();
        if (pushed.contains(d)) {
            out.layer(u.shortId(), "Layer already exists");
            return u;
        }
        sender.send(session, target, u, pulledFrom, cancel, out);
        pushed.add(d);
        return u;
    }

    /**
     * The blob to send for a layer: a stored compressed one — one already known on the target registry first (it
     * will be skipped or mounted), then gzip — else its tar gzipped once now.
     */
    private Sent choose(Layer layer, ImageReference target, Map<Digest, Set<String>> pulledFrom) throws IOException {
        LayerBlob best = null;
        int bestRank = Integer.MAX_VALUE;
        for (LayerBlob b : layer.blobs()) {
            if (!b.compressed() || !store.blobs().exists(b.digest())) continue;
            boolean known = locations.repositories(b.digest()).stream().anyMatch(r -> sameRegistry(r, target))
                    || pulledFrom.getOrDefault(b.digest(), Set.of()).stream().anyMatch(r -> sameRegistry(r, target));
            int rank = (known ? 0 : 2) + (LayerCompressor.isGzip(b.mediaType()) ? 0 : 1);
            if (rank < bestRank) {
                best = b;
                bestRank = rank;
            }
        }
        if (best == null) best = compressor.gzipBlob(layer);
        String mt = LayerCompressor.isGzip(best.mediaType()) ? MediaTypes.DOCKER_LAYER_GZIP : best.mediaType();
        return new Sent(layer, best, mt);
    }

    private static boolean sameRegistry(String repository, ImageReference target) {
        try {
            return ImageReference.parse(repository).domain().equals(target.domain());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** For each layer blob named by a manifest the image was pulled with: the repositories it came from. */
    private Map<Digest, Set<String>> pulledFrom(Image img) {
        Map<Digest, Set<String>> out = new ConcurrentHashMap<>();
        for (DistributionMetadata.Source s : distribution.sources(img.id())) {
            try {
                byte[] bytes = store.blobs().readVerified(s.manifest(), PushService.MAX_MANIFEST_BYTES);
                if (bytes == null) continue;
                for (Descriptor l : ManifestCodec.parseManifest(bytes, s.manifestMediaType()).layers()) {
                    out.computeIfAbsent(l.digest(), k -> new LinkedHashSet<>()).add(s.repository());
                }
            } catch (IOException | RuntimeException e) {
                log.debug("manifest {} of {} unreadable: {}", s.manifest(), img.id(), e.getMessage());
            }
        }
        return out;
    }
}
