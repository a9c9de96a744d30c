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
    private static final long STOP_WAIT_SECONDS = 30;
    private final TransferSlots uploadSlots;
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
        this.uploadSlots = new TransferSlots(props.maxConcurrentUploads());
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
        if (tag != null && !tag.isEmpty()) {
            // Docker 28 (httputils.RepoTagReference): a digest in the name cannot take a tag; a digest is no tag
            if (ref.hasDigest()) throw ApiException.badRequest("cannot import digest reference");
            if (!ImageReference.isValidTag(tag)) throw ApiException.badRequest("invalid tag format");
            ref = ref.repository().withTag(tag);
        }
        if (platform != null && !platform.isBlank() && (ref.hasTag() || ref.hasDigest())) checkPlatform(ref, platform);
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
        if (p.ref().hasDigest()) {
            pushDigest(p, out);
            return;
        }
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
                if (todo.isEmpty()) throw new IOException("no tags to push for " + repo.familiarName());
            }
            Set<Digest> pushed = ConcurrentHashMap.newKeySet();
            for (var e : todo.entrySet()) pushTag(session, e.getKey(), e.getValue(), null, pushed, out);
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

    /**
     * {@code POST /images/<repo>@<digest>/push} (no tag): as Docker 28 with the containerd image store (the store
     * that can push by digest; the graphdriver store answers "cannot push a digest reference"): the image must be
     * known by exactly that reference (a RepoDigest), and the manifest stored for it is pushed as is, by digest.
     * An index of which only this platform's manifest is stored cannot go up whole; its platform manifest is pushed
     * instead, with containerd's aux note {@code manifestPushedInsteadOfIndex}. No {@code digest: … size:} line
     * follows (dockerd prints that for tags only).
     */
    private void pushDigest(Prepared p, ProgressOutput out) throws IOException {
        ImageReference ref = p.ref();
        Digest imageId = ref.hasTag() ? null : store.references().get(ref);
        if (imageId == null || store.images().get(imageId) == null) {
            throw new IOException("tag does not exist: " + ref.familiarString());
        }
        Digest wanted = Digest.parse(ref.digest());
        Stored top = storedManifest(wanted);
        if (top == null) {
            throw new IOException("manifest " + wanted + " of " + ref.familiarString() + " is not stored locally: push a tag instead");
        }
        ObjectNode insteadOfIndex = null;
        Reusable manifest;
        if (MediaTypes.isManifest(top.mediaType()) && !MediaTypes.isSchema1(top.mediaType())) {
            manifest = new Reusable(top.bytes(), top.mediaType(), null);
        } else if (MediaTypes.isIndex(top.mediaType())) {
            JsonNode selected = null;
            Stored chosen = null;
            for (JsonNode m : json.readTree(top.bytes()).path("manifests")) {
                String d = m.path("digest").asText("");
                if (!Digest.isValid(d)) continue;
                Stored child = storedManifest(Digest.parse(d));
                if (child != null && configOf(child).equals(imageId.toString())) {
                    selected = m;
                    chosen = child;
                    break;
                }
            }
            if (chosen == null) throw new IOException("content digest " + wanted + ": not found");
            manifest = new Reusable(chosen.bytes(), chosen.mediaType(), null);
            insteadOfIndex = json.createObjectNode();
            insteadOfIndex.put("manifestPushedInsteadOfIndex", true);
            ObjectNode original = insteadOfIndex.putObject("originalIndex");
            original.put("mediaType", top.mediaType());
            original.put("digest", wanted.toString());
            original.put("size", top.bytes().length);
            insteadOfIndex.set("selectedManifest", selected);
        } else {
            throw new IOException("cannot push " + ref.familiarString() + ": unsupported media type " + top.mediaType());
        }
        if (!configOf(new Stored(manifest.bytes(), manifest.mediaType())).equals(imageId.toString())) {
            throw new IOException("manifest " + wanted + " does not describe image " + imageId);
        }
        Reusable forced = manifest;
        ObjectNode note = insteadOfIndex;
        client.withSession(ref.repository(), p.auth(), true, session -> {
            pushTag(session, ref, imageId, forced, ConcurrentHashMap.newKeySet(), out);
            if (note != null) out.aux(note);
            return null;
        });
    }

    /** A manifest or index in the blob store (pulled or pushed before), with its media type. */
    private record Stored(byte[] bytes, String mediaType) {
    }

    private Stored storedManifest(Digest d) throws IOException {
        if (!store.blobs().exists(d) || store.blobs().size(d) > MAX_MANIFEST_BYTES) return null;
        byte[] bytes;
        try (InputStream in = store.blobs().open(d)) {
            bytes = in.readAllBytes();
        }
        if (!Digest.sha256(bytes).equals(d)) return null;
        JsonNode n;
        try {
            n = json.readTree(bytes);
        } catch (IOException notJson) {
            return null;
        }
        String mt = n.path("mediaType").asText("");
        if (mt.isEmpty()) mt = n.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        return new Stored(bytes, mt);
    }

    private String configOf(Stored m) throws IOException {
        return json.readTree(m.bytes()).path("config").path("digest").asText("");
    }

    /**
     * Pushes one image under {@code ref}: a tag (the manifest is then the stored one that still describes the image,
     * or a new schema2 one) or a digest ({@code forced}: that manifest as is, its layers and config first).
     */
    private void pushTag(RegistrySession session, ImageReference ref, Digest imageId, Reusable forced, Set<Digest> pushed,
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
            Reusable reuse;
            if (forced != null) {
                reuse = describes(img, layers, forced.bytes(), forced.mediaType());
                if (reuse == null) {
                    throw new IOException("manifest of " + ref.familiarString() + " names layers that are not stored locally");
                }
            } else {
                reuse = reusableManifest(img, layers, ref.repository());
            }
            Map<Digest, Set<String>> pulledFrom = pulledFrom(img);
            LayerUpload[] done = uploadLayers(session, ref, layers, reuse, pulledFrom, pushed, out);

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
            boolean byDigest = ref.hasDigest();
            session.putManifest(byDigest ? digest.toString() : ref.tag(), mediaType, manifest);
            if (!byDigest) out.status(null, ref.tag() + ": digest: " + digest + " size: " + manifest.length);

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

            if (!byDigest) {
                ObjectNode aux = json.createObjectNode();
                aux.put("Tag", ref.tag());
                aux.put("Digest", digest.toString());
                aux.put("Size", manifest.length);
                out.aux(aux);
            }
            events.image("push", ref.familiarString(), ref.familiarName(), img.config().labels());
        }
    }

    /**
     * Prepares and sends the layers as dockerd's upload manager does: {@code Preparing} for each, top first; one
     * transfer per distinct layer (a layer twice in the image goes up once); the transfers that get one of the
     * daemon-wide slots start at once, the others say {@code Waiting} and start in order as slots free up.
     * Fails fast: the first failure — or the client going away — cancels the other transfers, and this returns
     * only once none of them is still running.
     */
    private LayerUpload[] uploadLayers(RegistrySession session, ImageReference ref, List<Layer> layers, Reusable reuse,
                                       Map<Digest, Set<String>> pulledFrom, Set<Digest> pushed, ProgressOutput out)
            throws IOException {
        Map<String, Integer> transfers = new LinkedHashMap<>(); // key -> the layer (index) whose transfer it is
        String[] keys = new String[layers.size()];
        for (int i = layers.size() - 1; i >= 0; i--) {
            Layer l = layers.get(i);
            out.layer(l.diffId().shortHex(), "Preparing");
            keys[i] = l.diffId() + (reuse == null ? "" : " " + reuse.layers().get(i).digest());
            transfers.putIfAbsent(keys[i], i);
        }
        LayerUpload[] done = new LayerUpload[layers.size()];
        Cancellation cancel = new Cancellation(out);
        List<TransferSlots.Slot> slots = new ArrayList<>();
        try {
            for (int i : transfers.values()) {
                TransferSlots.Slot slot = uploadSlots.take();
                slots.add(slot);
                if (!slot.ready()) out.layer(layers.get(i).diffId().shortHex(), "Waiting");
            }
            List<CompletableFuture<Void>> tasks = new ArrayList<>();
            int k = 0;
            for (int i : transfers.values()) {
                TransferSlots.Slot slot = slots.get(k++);
                Layer l = layers.get(i);
                LayerBlob fixed = reuse == null ? null : reuse.layers().get(i);
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
                }, uploads));
            }
            awaitAll(tasks, slots, cancel);
        } finally {
            slots.forEach(TransferSlots.Slot::close); // those of transfers that never started
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
        if (cancel.clientGone()) throw new ProgressOutput.ClientGoneException();
        if (failure instanceof IOException io) throw io;
        if (failure instanceof UncheckedIOException uio) throw uio.getCause();
        if (failure instanceof RuntimeException re) throw re;
        throw new IOException(failure.getMessage(), failure);
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
                Reusable r = describes(img, layers, bytes, s.manifestMediaType());
                if (r != null) return r;
            } catch (IOException | RuntimeException e) {
                log.debug("stored manifest {} of {} not reusable: {}", s.manifest(), img.id(), e.getMessage());
            }
        }
        return null;
    }

    /** The manifest as a {@link Reusable} when its config is the image and every layer it names is a stored blob of that layer. */
    private Reusable describes(Image img, List<Layer> layers, byte[] bytes, String mediaType) throws IOException {
        JsonNode m = json.readTree(bytes);
        if (!img.id().toString().equals(m.path("config").path("digest").asText())) return null;
        JsonNode ls = m.path("layers");
        if (ls.size() != layers.size()) return null;
        List<LayerBlob> blobs = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            String ds = ls.get(i).path("digest").asText("");
            if (!Digest.isValid(ds)) return null;
            Digest d = Digest.parse(ds);
            LayerBlob match = layers.get(i).blobs().stream().filter(b -> b.digest().equals(d)).findFirst().orElse(null);
            if (match == null || !store.blobs().exists(d)) return null;
            blobs.add(match);
        }
        return new Reusable(bytes, mediaType, blobs);
    }

    /** One layer's transfer, in its upload slot: already pushed for another tag, else {@link #send}. */
    private LayerUpload pushLayer(RegistrySession session, ImageReference target, Map<Digest, Set<String>> pulledFrom,
                                  Layer layer, LayerBlob fixed, Set<Digest> pushed, Cancellation cancel,
                                  ProgressOutput out) throws IOException {
        LayerUpload u = fixed != null ? new LayerUpload(layer, fixed, fixed.mediaType()) : choose(layer, target, pulledFrom);
        Digest d = u.blob().digest();
        if (pushed.contains(d)) {
            out.layer(u.shortId(), "Layer already exists");
            return u;
        }
        send(session, target, u, pulledFrom, cancel, out);
        pushed.add(d);
        return u;
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
            try {
                out.progress(id, "Pushing", current, total);
            } catch (ProgressOutput.ClientGoneException gone) {
                // not retryable: the push is cancelled
                throw new Cancellation.Gone();
            }
        }
    }

}
