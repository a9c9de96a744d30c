package io.imaged.pull;

import io.imaged.progress.ProgressOutput;
import io.imaged.oci.Descriptor;
import io.imaged.oci.ImageManifest;
import io.imaged.oci.ManifestCodec;
import io.imaged.oci.MediaTypes;
import io.imaged.oci.PlatformMatcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.config.ImagedProperties;
import io.imaged.digest.Digest;
import io.imaged.error.ImagedException;
import io.imaged.events.EventBus;
import io.imaged.oci.Platform;
import io.imaged.reference.ImageReference;
import io.imaged.registry.AuthConfig;
import io.imaged.registry.RegistryClient;
import io.imaged.registry.RegistryErrors;
import io.imaged.registry.RegistrySession;
import io.imaged.registry.Retrying;
import io.imaged.store.Committed;
import io.imaged.store.Image;
import io.imaged.store.ImageCommit;
import io.imaged.store.ImageConfig;
import io.imaged.store.Lease;
import io.imaged.store.DistributionMetadata;
import io.imaged.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /images/create?fromImage=}: pull = copy(registry → local store), with dockerd's progress messages.
 * <p>{@link #prepare} does everything that may still fail with a plain HTTP error (reference, registry reachable,
 * manifest or tag list found); {@link #pull} then streams progress and reports later failures as errorDetail.
 * Manifest/index → platform → config (verified) → layers fetched in parallel, each verified and measured in one
 * pass ({@link LayerDownloads}, {@link LayerFetcher}) → diff IDs checked against the config → layers registered in order → the image and
 * its references appear together under the store's write lock. Until then nothing is visible.
 */
@Service
public class PullService {
    private static final Logger log = LoggerFactory.getLogger(PullService.class);
    static final int MAX_CONFIG_BYTES = 8 << 20;
    private final RegistryClient client;
    private final LayerDownloads layerDownloads;
    private final Store store;
    private final EventBus events;
    private final ImagedProperties props;
    private final ObjectMapper json;

    public PullService(RegistryClient client, LayerDownloads layerDownloads, Store store, EventBus events, ImagedProperties props,
                       ObjectMapper json) {
        this.client = client;
        this.layerDownloads = layerDownloads;
        this.store = store;
        this.events = events;
        this.props = props;
        this.json = json;
    }

    /**
     * A pull ready to stream.
     *
     * @param ref      what to pull (tag or digest; neither = every tag)
     * @param platform the platform to choose from an index
     * @param session  the registry session that answered
     * @param manifest the manifest/index of a single-reference pull, already fetched
     * @param tags     every tag, for an all-tags pull
     */
    public record Prepared(ImageReference ref, Platform platform, RegistrySession session,
                           RegistrySession.Manifest manifest, List<String> tags) {
        public boolean allTags() {
            return tags != null;
        }
    }

    /** Resolves the request up to the first manifest; every failure here is an HTTP error, as with dockerd. */
    public Prepared prepare(String fromImage, String tag, String platform, AuthConfig auth) {
        ImageReference parsed = parseForApi(fromImage);
        ImageReference ref = parsed;
        if (tag != null && !tag.isEmpty()) {
            if (Digest.isValid(tag)) ref = parsed.repository().withDigest(tag);
            else if (ImageReference.isValidTag(tag)) ref = parsed.repository().withTag(tag);
            else throw ImagedException.invalid("invalid tag format");
        } else if (parsed.hasTag() && parsed.hasDigest()) {
            ref = parsed.repository().withDigest(parsed.digest());
        }
        Platform p = platform == null || platform.isBlank() ? Platform.host() : Platform.parse(platform);
        ImageReference target = ref;
        try {
            return client.withSession(ref, auth, false, s -> {
                if (!target.hasTag() && !target.hasDigest()) {
                    return new Prepared(target, p, s, null, s.tags());
                }
                return new Prepared(target, p, s, s.getManifest(reference(target)), null);
            });
        } catch (IOException e) {
            throw RegistryErrors.ofPull(target, e);
        }
    }

    /** The API words an upper-case name without echoing it (unlike the CLI's own check). */
    public static ImageReference parseForApi(String name) {
        try {
            return ImageReference.parseRemote(name);
        } catch (io.imaged.reference.InvalidReferenceException e) {
            if (e.getMessage().endsWith("must be lowercase")) {
                throw ImagedException.invalid("invalid reference format: repository name must be lowercase");
            }
            throw e;
        }
    }

    private static String reference(ImageReference ref) {
        return ref.hasDigest() ? ref.digest() : ref.tag();
    }

    /**
     * Streams the pull; a failure is written as the last message (errorDetail). A cancelled pull keeps its
     * verified layers and partial downloads for the next one.
     */
    public void pull(Prepared p, ProgressOutput out) {
        out.run("pull", p.ref(), log, () -> {
            if (p.allTags()) pullAllTags(p, out);
            else pullOne(p, out);
        });
    }

    private void pullOne(Prepared p, ProgressOutput out) throws IOException {
        ImageReference ref = p.ref();
        out.status(ref.hasDigest() ? ref.familiarString() : ref.tag(), "Pulling from " + ref.path());
        Result r = pullManifest(p.session(), ref, p.manifest(), p.platform(), out);
        out.status(null, "Digest: " + r.digest());
        out.status(null, "Status: " + (r.changed() ? "Downloaded newer image for " : "Image is up to date for ")
                + ref.familiarString());
        pullEvent(ref, r.image());
    }

    private void pullAllTags(Prepared p, ProgressOutput out) throws IOException {
        ImageReference repo = p.ref();
        boolean changed = false;
        if (p.tags().isEmpty()) throw new IOException("no tags found for " + repo.familiarName());
        for (String tag : p.tags()) {
            ImageReference ref = repo.withTag(tag);
            out.status(tag, "Pulling from " + ref.path());
            RegistrySession.Manifest m;
            try {
                m = p.session().getManifest(tag);
            } catch (IOException e) {
                throw RegistryErrors.ofPull(ref, e);
            }
            Result r = pullManifest(p.session(), ref, m, p.platform(), out);
            out.status(null, "Digest: " + r.digest());
            changed |= r.changed();
        }
        out.status(null, "Status: " + (changed ? "Downloaded newer image for " : "Image is up to date for ")
                + repo.familiarName());
        Digest latest = store.references().get(repo.withTag(ImageReference.DEFAULT_TAG));
        pullEvent(repo, latest == null ? null : store.images().get(latest));
    }

    private void pullEvent(ImageReference ref, Image img) {
        // dockerd: LogImageEvent(FamiliarString(ref), FamiliarName(ref), "pull") with the image's labels
        events.image("pull", ref.familiarString(), ref.familiarName(), img == null ? Map.of() : img.config().labels());
    }

    /** The outcome of pulling one reference. */
    private record Result(Digest digest, Image image, boolean changed) {
    }

    private Result pullManifest(RegistrySession session, ImageReference ref, RegistrySession.Manifest top,
                                Platform platform, ProgressOutput out) throws IOException {
        if (MediaTypes.isSchema1(top.mediaType())) {
            throw new Retrying.NotRetryable("Docker Image Format v1 and Docker Image manifest version 2, schema 1 support "
                    + "has been removed. Suggest the author of " + ref.familiarString() + " to upgrade the image to the "
                    + "OCI Format or Docker Image manifest v2, schema 2. More information at "
                    + "https://docs.docker.com/go/deprecated-image-specs/");
        }
        RegistrySession.Manifest manifest = top;
        if (MediaTypes.isIndex(top.mediaType())) {
            Descriptor chosen = PlatformMatcher.choose(ManifestCodec.parseIndex(top.bytes(), top.mediaType()).manifests(), platform);
            if (chosen == null) {
                throw new IOException("no matching manifest for " + platform + " in the manifest list entries");
            }
            manifest = session.getManifest(chosen.digest().toString());
            if (chosen.size() >= 0 && chosen.size() != manifest.bytes().length) {
                throw new IOException("manifest " + chosen.digest() + " has " + manifest.bytes().length + " bytes, the index says " + chosen.size());
            }
        }
        if (!MediaTypes.isManifest(manifest.mediaType())) {
            throw new IOException("unsupported manifest media type " + manifest.mediaType() + " for " + ref.familiarString());
        }
        ImageManifest m = ManifestCodec.parseManifest(manifest.bytes(), manifest.mediaType());
        Digest configDigest = m.config().digest();
        long configSize = m.config().size();
        List<Descriptor> layers = m.layers();
        long maxLayerBytes = props.registry().maxLayerBytes().toBytes();
        for (Descriptor l : layers) {
            if (!MediaTypes.isLayer(l.mediaType())) {
                throw new IOException("unsupported layer media type " + l.mediaType() + " in " + ref.familiarString());
            }
            if (l.size() < 0) throw new IOException("layer " + l.digest() + " has no size in the manifest");
            if (l.size() > maxLayerBytes) {
                // refused before any blob request: a registry must not make us download (or reserve) a 1 TiB claim
                throw new Retrying.NotRetryable("layer " + l.digest() + " of " + ref.familiarString()
                        + " declares " + l.size() + " bytes, more than the " + maxLayerBytes
                        + " bytes imaged accepts for a layer (imaged.registry.max-layer-bytes)");
            }
        }

        try (Lease lease = store.lease()) {
            // manifests first, so that they are in the blob store (and protected) before the image appears
            lease.blob(top.digest()).blob(manifest.digest());
            store.blobs().put(top.bytes());
            store.blobs().put(manifest.bytes());

            byte[] configBytes = null;
            boolean downloaded = false;
            while (true) {
                Image existing = store.images().get(configDigest);
                if (existing == null && configBytes == null) {
                    configBytes = session.getBlobBytes(configDigest, configSize, MAX_CONFIG_BYTES);
                    ImageConfig config = ImageConfig.parse(json, configBytes);
                    List<Digest> diffIds = config.diffIds();
                    if (diffIds.size() != layers.size()) {
                        throw new IOException("layers from manifest don't match image configuration: the manifest of "
                                + ref.familiarString() + " lists " + layers.size() + " layers, its config " + diffIds.size());
                    }
                    downloaded = layerDownloads.fetchAndRegister(session, layers, diffIds, lease, out);
                }

                Digest repoDigest = top.digest();
                ImageReference byDigest = ref.repository().withDigest(repoDigest.toString());
                Committed c = store.commit((existing != null ? ImageCommit.existing(existing.id()) : ImageCommit.create(configBytes))
                        .withReferences(ref.hasTag() ? List.of(byDigest, ref) : List.of(byDigest))
                        .withSource(new DistributionMetadata.Source(ref.repository().toString(), top.digest(), top.mediaType(),
                                top.bytes().length, manifest.digest(), manifest.mediaType(), manifest.bytes().length))
                        .clearingVerified(layers.stream().map(Descriptor::digest).toList()));
                // the image that was there when the pull began was removed since (rmi, prune): fetch what it needs
                if (!c.landed()) continue;
                if (existing == null) downloaded = true;
                boolean changed = c.previous(byDigest) == null && ref.hasDigest();
                if (ref.hasTag()) changed = !c.image().id().equals(c.previous(ref));
                return new Result(repoDigest, c.image(), changed || downloaded);
            }
        }
    }
}
