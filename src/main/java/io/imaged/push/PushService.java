package io.imaged.push;

import io.imaged.progress.ProgressOutput;
import io.imaged.oci.Descriptor;
import io.imaged.oci.ManifestCodec;
import io.imaged.oci.MediaTypes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imaged.config.ImagedProperties;
import io.imaged.digest.Digest;
import io.imaged.error.ImagedException;
import io.imaged.events.EventBus;
import io.imaged.reference.ImageReference;
import io.imaged.reference.InvalidReferenceException;
import io.imaged.registry.AuthConfig;
import io.imaged.registry.RegistryClient;
import io.imaged.registry.RegistrySession;
import io.imaged.store.Image;
import io.imaged.store.ImageCommit;
import io.imaged.store.Layer;
import io.imaged.store.Lease;
import io.imaged.store.BlobLocations;
import io.imaged.store.DistributionMetadata;
import io.imaged.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
    /** The largest stored manifest or index re-read for a push. */
    static final int MAX_MANIFEST_BYTES = 4 << 20;
    private final RegistryClient client;
    private final Store store;
    private final BlobLocations locations;
    private final EventBus events;
    private final ImagedProperties props;
    private final ObjectMapper json;
    private final LayerUploads uploads;
    private final StoredManifests manifests;

    public PushService(RegistryClient client, Store store, LayerUploads uploads, StoredManifests manifests, EventBus events, ImagedProperties props, ObjectMapper json) {
        this.client = client;
        this.store = store;
        this.locations = store.blobLocations();
        this.uploads = uploads;
        this.manifests = manifests;
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
            ref = ImageReference.parseRemote(name);
        } catch (InvalidReferenceException e) {
            throw ImagedException.invalid(e.getMessage());
        }
        if (tag != null && !tag.isEmpty()) {
            // Docker 28 (httputils.RepoTagReference): a digest in the name cannot take a tag; a digest is no tag
            if (ref.hasDigest()) throw ImagedException.invalid("cannot import digest reference");
            if (!ImageReference.isValidTag(tag)) throw ImagedException.invalid("invalid tag format");
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
            throw ImagedException.invalid("failed to parse platform: " + e.getMessage());
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
            throw ImagedException.notFound("image with reference " + ref + " was found but its platform ("
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
        StoredManifests.ForDigest chosen = manifests.forDigestPush(ref, imageId);
        client.withSession(ref.repository(), p.auth(), true, session -> {
            pushTag(session, ref, imageId, chosen.manifest(), ConcurrentHashMap.newKeySet(), out);
            if (chosen.note() != null) out.aux(chosen.note());
            return null;
        });
    }

    /**
     * Pushes one image under {@code ref}: a tag (the manifest is then the stored one that still describes the image,
     * or a new schema2 one) or a digest ({@code forced}: that manifest as is, its layers and config first).
     */
    private void pushTag(RegistrySession session, ImageReference ref, Digest imageId, StoredManifests.Reusable forced, Set<Digest> pushed,
                         ProgressOutput out) throws IOException {
        try (Lease lease = store.lease()) {
            Image img;
            byte[] config;
            List<Layer> layers = new ArrayList<>();
            try (Store.Held held = store.read()) {
                img = store.images().get(imageId);
                if (img == null) throw new IOException("An image does not exist locally with the tag: " + ref.familiarName());
                config = store.images().configBytes(imageId);
                for (Digest c : img.chainIds()) {
                    lease.layer(c);
                    Layer l = store.layers().get(c);
                    if (l == null) throw new IOException("layer " + c + " of image " + imageId + " is not stored");
                    layers.add(l);
                }
            }
            StoredManifests.Reusable reuse;
            if (forced != null) {
                reuse = manifests.describes(img, layers, forced.bytes(), forced.mediaType());
                if (reuse == null) {
                    throw new IOException("manifest of " + ref.familiarString() + " names layers that are not stored locally");
                }
            } else {
                reuse = manifests.reusableFor(img, layers, ref.repository());
            }
            LayerUploads.Sent[] done = uploads.upload(session, ref, img, layers, reuse == null ? null : reuse.layers(), pushed, out);

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
                List<Descriptor> descs = new ArrayList<>();
                for (LayerUploads.Sent u : done) descs.add(new Descriptor(u.manifestMediaType(), u.blob().digest(), u.blob().size()));
                manifest = ManifestCodec.writeSchema2(new Descriptor(MediaTypes.DOCKER_CONFIG, configDigest, config.length), descs);
                mediaType = MediaTypes.DOCKER_MANIFEST;
            }
            Digest digest = Digest.sha256(manifest);
            boolean byDigest = ref.hasDigest();
            session.putManifest(byDigest ? digest.toString() : ref.tag(), mediaType, manifest);
            if (!byDigest) out.status(null, ref.tag() + ": digest: " + digest + " size: " + manifest.length);

            List<Digest> blobs = new ArrayList<>();
            for (LayerUploads.Sent u : done) blobs.add(u.blob().digest());
            blobs.add(configDigest);
            locations.add(ref.repository().toString(), blobs);
            lease.blob(digest);
            store.blobs().put(manifest);
            // nothing is recorded when the image was removed meanwhile
            store.commit(ImageCommit.existing(imageId).withReferences(List.of(ref.repository().withDigest(digest.toString())))
                    .withSource(new DistributionMetadata.Source(ref.repository().toString(), digest, mediaType, manifest.length,
                            digest, mediaType, manifest.length)));

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
}
