package io.imaged.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imaged.api.ApiException;
import io.imaged.config.ImagedProperties;
import io.imaged.events.EventBus;
import io.imaged.image.Image;
import io.imaged.image.ImageReference;
import io.imaged.image.InvalidReferenceException;
import io.imaged.registry.AuthConfig;
import io.imaged.registry.MediaTypes;
import io.imaged.registry.RegistryClient;
import io.imaged.registry.RegistryException;
import io.imaged.registry.RegistrySession;
import io.imaged.store.Digest;
import io.imaged.store.Layer;
import io.imaged.store.LayerBlob;
import io.imaged.store.Lease;
import io.imaged.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * {@code POST /images/{name}/push}: push = copy(local store → registry), with dockerd's progress messages.
 * <p>Per tag: the layers (top first) are prepared and sent up to {@code imaged.max-concurrent-uploads} at once — a blob
 * the repository has is skipped (HEAD), one known in another repository of the registry is mounted, the rest is
 * uploaded (one PUT, or PATCH chunks when the registry refuses a whole blob). A layer without a compressed blob is
 * gzipped once ({@link LayerCompressor}). The manifest is the one pulled (or pushed before) when it still describes
 * the image, so digests survive a round trip; otherwise a schema2 manifest is built as dockerd builds it.
 */
@Service
public class PushService {
    private static final Logger log = LoggerFactory.getLogger(PushService.class);
    private static final long PROGRESS_INTERVAL_NANOS = 100_000_000L;
    // below the 1 MiB request body limit that proxies such as nginx apply by default
    private static final int CHUNK_SIZE = (1 << 20) - (16 << 10);
    private static final int MAX_MANIFEST_BYTES = 4 << 20;
    private final RegistryClient client;
    private final Store store;
    private final DistributionMetadata distribution;
    private final BlobLocations locations;
    private final LayerCompressor compressor;
    private final EventBus events;
    private final ImagedProperties props;
    private final ObjectMapper json;
    private final ExecutorService uploads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "layer-upload");
        t.setDaemon(true);
        return t;
    });

    public PushService(RegistryClient client, Store store, DistributionMetadata distribution, BlobLocations locations,
                       LayerCompressor compressor, EventBus events, ImagedProperties props, ObjectMapper json) {
        this.client = client;
        this.store = store;
        this.distribution = distribution;
        this.locations = locations;
        this.compressor = compressor;
        this.events = events;
        this.props = props;
        this.json = json;
    }

    /**
     * A push ready to stream.
     *
     * @param ref  the repository, with a tag when one tag is pushed (none: every tag of the repository)
     * @param auth the credentials from {@code X-Registry-Auth}
     */
    public record Prepared(ImageReference ref, AuthConfig auth) {
    }

    /** Checks what can fail before the stream starts (a malformed name or tag, a platform the image is not). */
    public Prepared prepare(String name, String tag, String platform, AuthConfig auth) {
        ImageReference ref;
        try {
            ref = ImageReference.parse(name);
        } catch (InvalidReferenceException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (ref.hasDigest()) ref = ref.hasTag() ? ref.repository().withTag(ref.tag()) : ref.repository();
        if (tag != null && !tag.isEmpty()) {
            if (!ImageReference.isValidTag(tag)) throw ApiException.badRequest("invalid tag format");
            ref = ref.repository().withTag(tag);
        }
        if (platform != null && !platform.isBlank() && ref.hasTag()) checkPlatform(ref, platform);
        return new Prepared(ref, auth == null ? AuthConfig.ANONYMOUS : auth);
    }

    /** With a classic (single-platform) store, a platform only confirms the image is that platform, as dockerd does. */
    private void checkPlatform(ImageReference ref, String platform) {
        JsonNode p;
        try {
            p = json.readTree(platform);
        } catch (IOException e) {
            throw ApiException.badRequest("failed to parse platform: " + e.getMessage());
        }
        Digest id = store.references().get(ref);
        Image img = id == null ? null : store.images().get(id);
        if (img == null) return; // reported in the stream, as without a platform
        String os = p.path("os").asText(""), arch = p.path("architecture").asText(""), variant = p.path("variant").asText("");
        boolean matches = (os.isEmpty() || os.equals(img.config().os()))
                && (arch.isEmpty() || arch.equals(img.config().architecture()))
                && (variant.isEmpty() || variant.equals(img.config().variant() == null ? "" : img.config().variant()));
        if (!matches) {
            String actual = img.config().os() + "/" + img.config().architecture()
                    + (img.config().variant() == null || img.config().variant().isEmpty() ? "" : "/" + img.config().variant());
            String wanted = os + "/" + arch + (variant.isEmpty() ? "" : "/" + variant);
            throw new ApiException(HttpStatus.NOT_FOUND, "image with reference " + ref + " was found but its platform ("
                    + actual + ") does not match the specified platform (" + wanted + ")");
        }
    }

    /** Streams the push; a failure is written as the last message (errorDetail). */
    public void push(Prepared p, ProgressOutput out) {
        out.run("push", p.ref(), log, () -> pushRepository(p, out));
    }

    private void pushRepository(Prepared p, ProgressOutput out) throws IOException {
        ImageReference repo = p.ref().repository();
        out.status(null, "The push refers to repository [" + repo.name() + "]");
        Map<ImageReference, Digest> tagged = tagsOf(repo);
        if (tagged.isEmpty() && !hasDigestReferences(repo)) {
            throw new IOException("An image does not exist locally with the tag: " + repo.familiarName());
        }
        client.withSession(repo, p.auth(), true, session -> {
            Map<ImageReference, Digest> todo = new LinkedHashMap<>();
            if (p.ref().hasTag()) {
                Digest id = tagged.get(p.ref());
                if (id == null) throw new IOException("tag does not exist: " + p.ref().familiarString());
                todo.put(p.ref(), id);
            } else {
                todo.putAll(tagged);
                if (todo.isEmpty()) throw new IOException("No tags to push for " + repo.familiarName());
            }
            Set<Digest> pushed = ConcurrentHashMap.newKeySet();
            for (var e : todo.entrySet()) pushTag(session, e.getKey(), e.getValue(), pushed, out);
            return null;
        });
    }

    /** The repository's tags in the store, sorted as dockerd's reference store lists them. */
    private Map<ImageReference, Digest> tagsOf(ImageReference repo) {
        Map<ImageReference, Digest> out = new LinkedHashMap<>();
        List<Map.Entry<String, Digest>> entries = new ArrayList<>(store.references().snapshot().entrySet());
        entries.sort(Map.Entry.comparingByKey());
        for (var e : entries) {
            ImageReference r = ImageReference.parse(e.getKey());
            if (r.hasTag() && !r.hasDigest() && r.repository().equals(repo)) out.put(r, e.getValue());
        }
        return out;
    }

    private boolean hasDigestReferences(ImageReference repo) {
        String prefix = repo.name() + "@";
        return store.references().snapshot().keySet().stream().anyMatch(k -> k.startsWith(prefix));
    }

    /** What goes up for one layer: the blob and how the manifest names it. */
    private record LayerUpload(Layer layer, LayerBlob blob, String manifestMediaType) {
        String shortId() {
            return layer.diffId().shortHex();
        }
    }

    /** A stored manifest (pulled or pushed before) that still describes the image exactly. */
    private record Reusable(byte[] bytes, String mediaType, List<LayerBlob> layers) {
    }

    private void pushTag(RegistrySession session, ImageReference ref, Digest imageId, Set<Digest> pushed,
                         ProgressOutput out) throws IOException {
        try (Lease lease = store.lease()) {
            Image img;
            byte[] config;
            List<Layer> layers = new ArrayList<>();
            store.lock().readLock().lock();
            try {
                img = store.images().get(imageId);
                if (img == null) throw new IOException("An image does not exist locally with the tag: " + ref.familiarName());
                config = store.images().configBytes(imageId);
                for (Digest c : img.chainIds()) {
                    lease.layer(c);
                    Layer l = store.layers().get(c);
                    if (l == null) throw new IOException("layer " + c + " of image " + imageId + " is not stored");
                    layers.add(l);
                }
            } finally {
                store.lock().readLock().unlock();
            }
            Reusable reuse = reusableManifest(img, layers, ref.repository());
            Map<Digest, Set<String>> pulledFrom = pulledFrom(img);
            List<Integer> top = new ArrayList<>();
            for (int i = layers.size() - 1; i >= 0; i--) top.add(i);
            for (int i : top) out.layer(layers.get(i).diffId().shortHex(), "Preparing");

            int limit = Math.max(1, props.maxConcurrentUploads());
            Semaphore slots = new Semaphore(limit);
            Map<Digest, CompletableFuture<Void>> sent = new ConcurrentHashMap<>();
            LayerUpload[] done = new LayerUpload[layers.size()];
            List<Future<?>> futures = new ArrayList<>();
            for (int i : top) {
                Layer l = layers.get(i);
                LayerBlob fixed = reuse == null ? null : reuse.layers().get(i);
                futures.add(uploads.submit(() -> {
                    done[i] = pushLayer(session, ref, pulledFrom, l, fixed, slots, sent, pushed, out);
                    return null;
                }));
            }
            try {
                for (Future<?> f : futures) await(f);
            } finally {
                futures.forEach(f -> f.cancel(true));
            }

            Digest configDigest = Digest.sha256(config);
            if (!configDigest.equals(imageId)) throw new IOException("config of image " + imageId + " does not match its ID");
            if (!session.blobExists(configDigest)) {
                URI loc = session.startUpload();
                session.uploadBlob(loc, configDigest, config.length, () -> new java.io.ByteArrayInputStream(config));
            }

            byte[] manifest;
            String mediaType;
            if (reuse != null) {
                manifest = reuse.bytes();
                mediaType = reuse.mediaType();
            } else {
                List<Schema2Manifest.Descriptor> descs = new ArrayList<>();
                for (LayerUpload u : done) descs.add(new Schema2Manifest.Descriptor(u.manifestMediaType(), u.blob().size(), u.blob().digest()));
                manifest = Schema2Manifest.serialise(
                        new Schema2Manifest.Descriptor(Schema2Manifest.CONFIG_MEDIA_TYPE, config.length, configDigest), descs);
                mediaType = Schema2Manifest.MEDIA_TYPE;
            }
            Digest digest = Digest.sha256(manifest);
            session.putManifest(ref.tag(), mediaType, manifest);
            out.status(null, ref.tag() + ": digest: " + digest + " size: " + manifest.length);

            List<Digest> blobs = new ArrayList<>();
            for (LayerUpload u : done) blobs.add(u.blob().digest());
            blobs.add(configDigest);
            locations.add(ref.repository().toString(), blobs);
            lease.blob(digest);
            store.blobs().put(manifest);
            store.lock().writeLock().lock();
            try {
                if (store.images().get(imageId) != null) {
                    store.references().put(ref.repository().withDigest(digest.toString()), imageId);
                    distribution.record(imageId, new DistributionMetadata.Source(ref.repository().toString(), digest,
                            mediaType, manifest.length, digest, mediaType, manifest.length));
                }
            } finally {
                store.lock().writeLock().unlock();
            }

            ObjectNode aux = json.createObjectNode();
            aux.put("Tag", ref.tag());
            aux.put("Digest", digest.toString());
            aux.put("Size", manifest.length);
            out.aux(aux);
            events.image("push", ref.familiarString(), ref.familiarName(), img.config().labels());
        }
    }

    /**
     * The manifest to push unchanged, when one is stored for this image (pulled, or pushed before) and every layer
     * it names is still a stored blob of the matching layer: then the registry gets the very bytes (and digest) it
     * had. A source in the target repository is preferred, then one on the same registry.
     */
    private Reusable reusableManifest(Image img, List<Layer> layers, ImageReference target) {
        List<DistributionMetadata.Source> sources = new ArrayList<>(distribution.sources(img.id()));
        sources.sort(Comparator.comparingInt((DistributionMetadata.Source s) -> s.repository().equals(target.toString()) ? 0
                : ImageReference.parse(s.repository()).domain().equals(target.domain()) ? 1 : 2));
        for (DistributionMetadata.Source s : sources) {
            try {
                if (!MediaTypes.isManifest(s.manifestMediaType()) || MediaTypes.isSchema1(s.manifestMediaType())) continue;
                if (!store.blobs().exists(s.manifest()) || store.blobs().size(s.manifest()) > MAX_MANIFEST_BYTES) continue;
                byte[] bytes;
                try (InputStream in = store.blobs().open(s.manifest())) {
                    bytes = in.readAllBytes();
                }
                if (!Digest.sha256(bytes).equals(s.manifest())) continue;
                JsonNode m = json.readTree(bytes);
                if (!img.id().toString().equals(m.path("config").path("digest").asText())) continue;
                JsonNode ls = m.path("layers");
                if (ls.size() != layers.size()) continue;
                List<LayerBlob> blobs = new ArrayList<>();
                for (int i = 0; i < layers.size(); i++) {
                    Digest d = Digest.parse(ls.get(i).path("digest").asText());
                    LayerBlob match = layers.get(i).blobs().stream().filter(b -> b.digest().equals(d)).findFirst().orElse(null);
                    if (match == null || !store.blobs().exists(d)) break;
                    blobs.add(match);
                }
                if (blobs.size() == layers.size()) return new Reusable(bytes, s.manifestMediaType(), blobs);
            } catch (IOException | RuntimeException e) {
                log.debug("stored manifest {} of {} not reusable: {}", s.manifest(), img.id(), e.getMessage());
            }
        }
        return null;
    }

    private LayerUpload pushLayer(RegistrySession session, ImageReference target, Map<Digest, Set<String>> pulledFrom,
                                  Layer layer, LayerBlob fixed, Semaphore slots,
                                  Map<Digest, CompletableFuture<Void>> sent, Set<Digest> pushed, ProgressOutput out)
            throws IOException, InterruptedException {
        String id = layer.diffId().shortHex();
        if (!slots.tryAcquire()) {
            out.layer(id, "Waiting");
            slots.acquire();
        }
        try {
            LayerUpload u = fixed != null ? new LayerUpload(layer, fixed, fixed.mediaType()) : choose(layer, target, pulledFrom);
            Digest d = u.blob().digest();
            if (pushed.contains(d)) {
                out.layer(id, "Layer already exists");
                return u;
            }
            // the same blob twice in one image (e.g. two empty layers): the second waits for the first
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> other = sent.putIfAbsent(d, mine);
            if (other != null) {
                awaitVoid(other);
                out.layer(id, "Layer already exists");
                return u;
            }
            try {
                send(session, target, u, pulledFrom, out);
                pushed.add(d);
                mine.complete(null);
            } catch (IOException | RuntimeException e) {
                mine.completeExceptionally(e);
                throw e;
            }
            return u;
        } finally {
            slots.release();
        }
    }

    /**
     * The blob to send for a layer: a stored compressed one — one already known on the target registry first (it
     * will be skipped or mounted), then gzip — else its tar gzipped once now.
     */
    private LayerUpload choose(Layer layer, ImageReference target, Map<Digest, Set<String>> pulledFrom) throws IOException {
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
        String mt = LayerCompressor.isGzip(best.mediaType()) ? LayerBlob.DOCKER_GZIP : best.mediaType();
        return new LayerUpload(layer, best, mt);
    }

    /** HEAD, else mount from a repository of the same registry known to have it, else upload. */
    private void send(RegistrySession session, ImageReference target, LayerUpload u, Map<Digest, Set<String>> pulledFrom,
                      ProgressOutput out) throws IOException {
        String id = u.shortId();
        Digest d = u.blob().digest();
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
        if (location == null) location = session.startUpload();
        long size = u.blob().size() > 0 ? u.blob().size() : store.blobs().size(d);
        Progress progress = new Progress(id, size, out);
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
                if (!store.blobs().exists(s.manifest()) || store.blobs().size(s.manifest()) > MAX_MANIFEST_BYTES) continue;
                byte[] bytes;
                try (InputStream in = store.blobs().open(s.manifest())) {
                    bytes = in.readAllBytes();
                }
                for (JsonNode l : json.readTree(bytes).path("layers")) {
                    String d = l.path("digest").asText("");
                    if (Digest.isValid(d)) out.computeIfAbsent(Digest.parse(d), k -> new LinkedHashSet<>()).add(s.repository());
                }
            } catch (IOException | RuntimeException e) {
                log.debug("manifest {} of {} unreadable: {}", s.manifest(), img.id(), e.getMessage());
            }
        }
        return out;
    }

    /** "Pushing" progress as the bytes go out, at most every 100 ms. */
    private static final class Progress {
        private final String id;
        private final long total;
        private final ProgressOutput out;
        private volatile long last;

        Progress(String id, long total, ProgressOutput out) {
            this.id = id;
            this.total = total;
            this.out = out;
        }

        InputStream wrap(InputStream in) {
            return new FilterInputStream(in) {
                long count;

                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) report(++count);
                    return b;
                }

                @Override
                public int read(byte[] buf, int off, int len) throws IOException {
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
            try {
                out.progress(id, "Pushing", current, total);
            } catch (ProgressOutput.ClientGoneException gone) {
                // not retryable: the push is cancelled
                throw new InterruptedIOException("the client went away");
            }
        }

    }

    private static void await(Future<?> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof UncheckedIOException uio) throw uio.getCause();
            if (c instanceof RuntimeException re) throw re;
            throw new IOException(c.getMessage(), c);
        }
    }

    private static void awaitVoid(CompletableFuture<Void> f) throws IOException {
        await(f);
    }
}
