package io.imaged.push;

import io.imaged.digest.Digest;
import io.imaged.oci.Descriptor;
import io.imaged.oci.ManifestCodec;
import io.imaged.oci.MediaTypes;
import io.imaged.progress.ProgressOutput;
import io.imaged.reference.ImageReference;
import io.imaged.registry.RegistrySession;
import io.imaged.store.BlobLocations;
import io.imaged.store.DistributionMetadata;
import io.imaged.store.Image;
import io.imaged.store.Layer;
import io.imaged.store.LayerBlob;
import io.imaged.store.Store;
import io.imaged.transfer.Cancellation;
import io.imaged.transfer.Direction;
import io.imaged.transfer.TransferManager;
import io.imaged.transfer.Transfers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The layer half of a push: for each layer the blob to send (a stored compressed one, preferring one the target
 * registry already knows, else the tar gzipped once by {@link LayerCompressor}), then HEAD, cross-repository
 * mount or upload (monolithic, or chunked when the registry refuses a whole blob), with {@code Pushing} progress.
 * They run as {@link Direction#UPLOAD} transfers of the {@link TransferManager} (daemon-wide slots,
 * {@code imaged.max-concurrent-uploads}), fail fast and stop when the client goes away. {@link PushService} does
 * the manifests.
 */
@Component
class LayerUploads {
    private static final Logger log = LoggerFactory.getLogger(LayerUploads.class);
    private final Store store;
    private final BlobLocations locations;
    private final LayerCompressor compressor;
    private final DistributionMetadata distribution;
    private final BlobSender sender;
    private final TransferManager transfers;

    LayerUploads(Store store, LayerCompressor compressor, TransferManager transfers) {
        this.store = store;
        this.locations = store.blobLocations();
        this.compressor = compressor;
        this.distribution = store.distribution();
        this.transfers = transfers;
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
        Map<String, Integer> distinct = new LinkedHashMap<>(); // key -> the layer (index) whose transfer it is
        String[] keys = new String[layers.size()];
        for (int i = layers.size() - 1; i >= 0; i--) {
            Layer l = layers.get(i);
            out.layer(l.diffId().shortHex(), "Preparing");
            keys[i] = l.diffId() + (fixedBlobs == null ? "" : " " + fixedBlobs.get(i).digest());
            distinct.putIfAbsent(keys[i], i);
        }
        Sent[] done = new Sent[layers.size()];
        try (Transfers<Sent> batch = transfers.start(Direction.UPLOAD, out::gone)) {
            for (int i : distinct.values()) {
                Layer l = layers.get(i);
                LayerBlob fixed = fixedBlobs == null ? null : fixedBlobs.get(i);
                batch.add(cancel -> pushLayer(session, ref, pulledFrom, l, fixed, pushed, cancel, out),
                        () -> out.layer(l.diffId().shortHex(), "Waiting"));
            }
            List<Sent> sent = batch.awaitAll();
            int k = 0;
            for (int i : distinct.values()) done[i] = sent.get(k++);
        }
        for (int i = 0; i < layers.size(); i++) if (done[i] == null) done[i] = done[distinct.get(keys[i])];
        return done;
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
            int rank = (known ? 0 : 2) + (b.gzip() ? 0 : 1);
            if (rank < bestRank) {
                best = b;
                bestRank = rank;
            }
        }
        if (best == null) best = compressor.gzipBlob(layer);
        String mt = best.gzip() ? MediaTypes.DOCKER_LAYER_GZIP : best.mediaType();
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
