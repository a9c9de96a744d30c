package io.imaged.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.config.ImagedProperties;
import io.imaged.digest.Digest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The store as one unit: blobs, layers, images and references, one lock for changes that span them, the one way an
 * image lands ({@link #commit}), recovery at startup, and garbage collection. Blob content, the image catalog and
 * the references come from {@link StoreBackends} (the file system under the data root unless given otherwise);
 * callers see them only through their interfaces.
 * <p>A little over 300 lines: opening (index or full recovery), the background check, commit and collection share
 * the one lock and the in-memory catalogs; split apart they would have to hand the lock around again.
 */
@Component
public class Store implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Store.class);
    private final Path root;
    private final BlobStore blobs;
    private final LayerStore layers;
    private final ImageStore images;
    private final ReferenceStore references;
    private final DistributionMetadata distribution;
    private final BlobLocations blobLocations;
    private final PartialDownloads partials;
    private final ImageCommitter committer;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Set<Lease> leases = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Whether the catalog lives in files this store can index at close ({@link StoreIndex}). */
    private final boolean indexable;
    /** Whether this start took the catalog from the index (then {@link #verifyIndexed} checks it afterwards). */
    private volatile boolean fromIndex;
    private volatile boolean closed;

    /** The store on the file system under {@code imaged.data-root}. */
    @Autowired
    public Store(ImagedProperties props, ObjectMapper json) {
        this(props, json, StoreBackends::filesystem);
    }

    /** A store whose blob content, image catalog and references {@code backends} opens under the data root. */
    public Store(ImagedProperties props, ObjectMapper json, StoreBackends.Opener backends) {
        try {
            long t0 = System.nanoTime();
            this.root = props.dataRoot().toAbsolutePath().normalize();
            DataRootPermissions.secure(root);
            StoreBackends parts = backends.open(root);
            long backendsMs = (System.nanoTime() - t0) / 1_000_000;
            this.indexable = parts.images() instanceof FsStoreBackend && parts.blobs() instanceof FsBlobStore;
            this.blobs = parts.blobs();
            this.layers = new LayerStore(root.resolve("layerdb"), json);
            this.images = new ImageStore(parts.images(), layers, json);
            this.references = parts.references();
            this.distribution = new DistributionMetadata(images.backend(), json);
            this.blobLocations = new BlobLocations(root.resolve("distribution").resolve("blob-locations.json"), json);
            this.partials = new PartialDownloads(root.resolve("partials"), props.partialRetention());
            this.committer = new ImageCommitter(images, references, distribution, partials);
            recover(backendsMs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the store under " + props.dataRoot(), e);
        }
    }

    /**
     * Opens the catalog: from the index a clean close wrote, or else by reading every config and layer record and
     * cleaning whatever a crash left half-done (temp files, half images, dangling references, orphan layers).
     */
    private void recover(long backendsMs) throws IOException {
        long t0 = System.nanoTime();
        var index = indexable ? StoreIndex.take(root) : java.util.Optional.<StoreIndex>empty();
        blobs.removeInterruptedWrites();
        if (index.isPresent()) {
            layers.restore(index.get().layers());
            images.restore(index.get().images());
            fromIndex = true;
        } else {
            layers.load(blobs);
            images.load();
        }
        // after a clean stop no reference dangles; the background check looks (and so parses the references there)
        if (!fromIndex) {
            removeDanglingReferences();
            collectGarbage();
        }
        log.info("store at {}: {} images, {} layers, {} references, loaded in {} ms (backends opened in {} ms){}", root,
                images.count(), layers.all().size(), references.size(), (System.nanoTime() - t0) / 1_000_000, backendsMs,
                fromIndex ? " (from the index of the last clean stop; verifying it in the background)" : "");
    }

    private void removeDanglingReferences() throws IOException {
        for (var e : references.snapshot().entrySet()) {
            if (images.get(e.getValue()) == null) {
                references.remove(io.imaged.reference.ImageReference.parse(e.getKey()));
            }
        }
    }

    /** Once the listeners are up: checks what the index could not show, in the background (see {@link #verifyIndexed}). */
    @EventListener(ApplicationReadyEvent.class)
    public void verifyInBackground() {
        if (!fromIndex) return;
        Thread t = new Thread(() -> {
            try {
                verifyIndexed();
            } catch (IOException | RuntimeException e) {
                log.warn("verifying the store after its start failed: {}", io.imaged.error.ErrorMessages.withoutPaths(e));
            }
        }, "store-verify");
        t.setDaemon(true);
        t.start();
    }

    /**
     * After a start from the index: whether every indexed config still hashes to its image ID and every layer's blobs
     * are there. If not (something changed the files behind the store's back), the full recovery runs, under the
     * write hold, with the same rules as a start without an index. Then a garbage collection, as a full start does.
     * Returns whether the full recovery was needed.
     */
    boolean verifyIndexed() throws IOException {
        long t0 = System.nanoTime();
        boolean whole = true;
        for (Image img : List.copyOf(images.all())) {
            if (closed) return false;
            byte[] bytes;
            try {
                bytes = images.configBytes(img.id());
            } catch (NoSuchFileException e) {
                bytes = null;
            }
            if (images.get(img.id()) == null) continue; // deleted meanwhile
            if (bytes == null || !Digest.sha256(bytes).equals(img.id())) {
                whole = false;
                break;
            }
        }
        for (Layer l : whole ? List.copyOf(layers.all()) : List.<Layer>of()) {
            if (layers.get(l.chainId()) != l) continue; // changed or collected meanwhile
            if (!l.blobs().stream().allMatch(b -> blobs.exists(b.digest()))) {
                whole = false;
                break;
            }
        }
        // the references' first full read parses them all (FsReferenceStore): done here, before the write hold, so
        // that requests do not wait for it
        references.referencedImages();
        try (Held held = write()) {
            if (!whole) {
                log.warn("the store's files changed since its index was written; reading every image again");
                layers.load(blobs);
                images.load();
            }
            removeDanglingReferences();
        }
        collectGarbage();
        log.info("store checked against its index in {} ms{}", (System.nanoTime() - t0) / 1_000_000,
                whole ? "" : " (it had changed: read again)");
        return !whole;
    }

    /** Removes layers no image uses and blobs nothing uses; returns bytes freed. */
    public long collectGarbage() throws IOException {
        lock.writeLock().lock();
        try {
            Set<Digest> usedChains = new HashSet<>();
            for (Image img : images.all()) usedChains.addAll(img.chainIds());
            for (Lease l : leases) usedChains.addAll(l.layers);
            // a leased layer keeps its parents too
            for (Digest c : List.copyOf(usedChains)) {
                for (Layer l = layers.get(c); l != null && l.parent() != null; l = layers.get(l.parent())) usedChains.add(l.parent());
            }
            layers.retainOnly(usedChains);
            Set<Digest> keep = layers.blobDigests();
            for (Lease l : leases) keep.addAll(l.blobs);
            // what pulls keep for later: the manifests of each image's sources, verified blobs awaiting their image
            keep.addAll(distribution.blobRoots(images.all().stream().map(Image::id).toList()));
            keep.addAll(partials.blobRoots());
            return blobs.retainOnly(keep);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Protects what an operation looks at or stores from garbage collection until it is closed. Lease a blob or
     * layer first, then check whether it is stored (see {@link Lease}).
     */
    public Lease lease() {
        return new Lease(leases, lock.readLock());
    }

    public Path root() {
        return root;
    }

    public BlobStore blobs() {
        return blobs;
    }

    public LayerStore layers() {
        return layers;
    }

    public ImageStore images() {
        return images;
    }

    public ReferenceStore references() {
        return references;
    }

    /** Where each image was pulled from (and pushed to), kept with the image. */
    public DistributionMetadata distribution() {
        return distribution;
    }

    /** Repositories known to hold each blob: candidates for a cross-repository mount. */
    public BlobLocations blobLocations() {
        return blobLocations;
    }

    /** What unfinished pulls left for the next one. */
    public PartialDownloads partials() {
        return partials;
    }

    /** Removes partial downloads not touched within {@code imaged.partial-retention}. */
    @Scheduled(fixedDelayString = "PT10M", initialDelayString = "PT10M")
    public void expirePartials() {
        partials.cleanup();
    }

    /**
     * Holds the store still for reading: nothing is removed or replaced until the returned hold is closed
     * ({@code try (Store.Held held = store.read()) {...}}). Adding a layer or blob is allowed meanwhile (they are
     * registered under this hold: the layer store is safe for concurrent adds).
     */
    public Held read() {
        lock.readLock().lock();
        return lock.readLock()::unlock;
    }

    /** Holds the store alone, for a change that spans its parts (an image with its references, a delete, a prune). */
    public Held write() {
        lock.writeLock().lock();
        return lock.writeLock()::unlock;
    }

    /**
     * Lands an image with what goes with it, under the write hold: the image is created from its config bytes (or
     * the stored one the commit names is taken), each reference is pointed at it (with the tag time when the commit
     * has one), its distribution source is recorded and the verified-partial markers of its blobs are cleared, in
     * that order. Readers see the image with all of it or not at all. When the commit names a stored image that
     * is gone (an {@code rmi} or prune came first), nothing changes and {@link Committed#landed} is false. Every
     * layer a created image names must be stored (and leased by the caller until this returns).
     */
    public Committed commit(ImageCommit commit) throws IOException {
        try (Held held = write()) {
            return committer.commit(commit);
        }
    }

    /** Whether a thread waits for a hold (tests). */
    boolean hasWaiters() {
        return lock.hasQueuedThreads();
    }

    /** A hold on the store, released by {@link #close()}. */
    @FunctionalInterface
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Blobs that a garbage collection keeps besides the layers' ones: the manifests of the images' sources and the
     * verified blobs awaiting their image. Call under {@link #read()}.
     */
    public Set<Digest> keptBlobs() {
        Set<Digest> keep = new HashSet<>(distribution.blobRoots(images.all().stream().map(Image::id).toList()));
        keep.addAll(partials.blobRoots());
        return keep;
    }

    /** Chain IDs of an image's layers that another image also uses (for SharedSize and df). */
    public List<Layer> layersOf(Image img) {
        return img.chainIds().stream().map(layers::get).toList();
    }

    /** Writes the index of the catalog for the next start (when it lives in files), then closes the references. */
    @Override
    public void close() throws IOException {
        closed = true;
        try (Held held = write()) {
            if (indexable) {
                new StoreIndex(StoreIndex.stampOf(root), List.copyOf(layers.all()),
                        List.copyOf(images.all())).write(root);
            }
        } catch (IOException | RuntimeException e) {
            // the next start reads every image instead: slower, never wrong
            log.warn("cannot write the store index: {}", io.imaged.error.ErrorMessages.withoutPaths(e));
        } finally {
            references.close();
        }
    }
}
