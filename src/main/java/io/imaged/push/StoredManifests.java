package io.imaged.push;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imaged.digest.Digest;
import io.imaged.oci.Descriptor;
import io.imaged.oci.ImageManifest;
import io.imaged.oci.InvalidManifestException;
import io.imaged.oci.ManifestCodec;
import io.imaged.oci.MediaTypes;
import io.imaged.reference.ImageReference;
import io.imaged.store.DistributionMetadata;
import io.imaged.store.Image;
import io.imaged.store.Layer;
import io.imaged.store.LayerBlob;
import io.imaged.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The manifests a push can send unchanged: the ones the store kept from pulls and earlier pushes (their bytes, so
 * their digests, survive a round trip), when they still describe the image exactly; and, for a push by digest,
 * the stored manifest of that digest (or, for an index, its platform manifest that describes the image).
 */
@Component
class StoredManifests {
    private static final Logger log = LoggerFactory.getLogger(StoredManifests.class);
    private final Store store;
    private final DistributionMetadata distribution;
    private final ObjectMapper json;

    StoredManifests(Store store, ObjectMapper json) {
        this.store = store;
        this.distribution = store.distribution();
        this.json = json;
    }

    /** A stored manifest (pulled or pushed before) that still describes the image exactly. */
    record Reusable(byte[] bytes, String mediaType, List<LayerBlob> layers) {
    }

    /** The manifest a push by digest sends, and containerd's aux note when it stands in for an index. */
    record ForDigest(Reusable manifest, ObjectNode note) {
    }

    /**
     * {@code POST /images/<repo>@<digest>/push} (no tag): as Docker 28 with the containerd image store (the store
     * that can push by digest; the graphdriver store answers "cannot push a digest reference"): the image must be
     * known by exactly that reference (a RepoDigest), and the manifest stored for it is pushed as is, by digest.
     * An index of which only this platform's manifest is stored cannot go up whole; its platform manifest is pushed
     * instead, with containerd's aux note {@code manifestPushedInsteadOfIndex}.
     */
    ForDigest forDigestPush(ImageReference ref, Digest imageId) throws IOException {
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
            Descriptor selected = null;
            Stored chosen = null;
            for (Descriptor m : ManifestCodec.parseIndex(top.bytes(), top.mediaType()).manifests()) {
                Stored child = storedManifest(m.digest());
                if (child != null && imageId.equals(configOf(child))) {
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
            insteadOfIndex.set("selectedManifest", json.valueToTree(ManifestCodec.descriptorFields(selected)));
        } else {
            throw new IOException("cannot push " + ref.familiarString() + ": unsupported media type " + top.mediaType());
        }
        if (!imageId.equals(configOf(new Stored(manifest.bytes(), manifest.mediaType())))) {
            throw new IOException("manifest " + wanted + " does not describe image " + imageId);
        }
        return new ForDigest(manifest, insteadOfIndex);
    }

    /** A manifest or index in the blob store (pulled or pushed before), with its media type. */
    private record Stored(byte[] bytes, String mediaType) {
    }

    private Stored storedManifest(Digest d) throws IOException {
        byte[] bytes = store.blobs().readVerified(d, PushService.MAX_MANIFEST_BYTES);
        if (bytes == null) return null;
        String mt = ManifestCodec.mediaTypeOf(bytes, "");
        return mt.isEmpty() ? null : new Stored(bytes, mt);
    }

    /** The config digest an image manifest names; null for anything else. */
    private static Digest configOf(Stored m) {
        if (!MediaTypes.isManifest(m.mediaType())) return null;
        try {
            return ManifestCodec.parseManifest(m.bytes(), m.mediaType()).config().digest();
        } catch (InvalidManifestException e) {
            return null;
        }
    }

    /**
     * The manifest to push unchanged, when one is stored for this image (pulled, or pushed before) and every layer
     * it names is still a stored blob of the matching layer: then the registry gets the very bytes (and digest) it
     * had. A source in the target repository is preferred, then one on the same registry.
     */
    Reusable reusableFor(Image img, List<Layer> layers, ImageReference target) {
        List<DistributionMetadata.Source> sources = new ArrayList<>(distribution.sources(img.id()));
        sources.sort(Comparator.comparingInt((DistributionMetadata.Source s) -> s.repository().equals(target.toString()) ? 0
                : ImageReference.parse(s.repository()).domain().equals(target.domain()) ? 1 : 2));
        for (DistributionMetadata.Source s : sources) {
            try {
                if (!MediaTypes.isManifest(s.manifestMediaType()) || MediaTypes.isSchema1(s.manifestMediaType())) continue;
                byte[] bytes = store.blobs().readVerified(s.manifest(), PushService.MAX_MANIFEST_BYTES);
                if (bytes == null) continue;
                Reusable r = describes(img, layers, bytes, s.manifestMediaType());
                if (r != null) return r;
            } catch (IOException | RuntimeException e) {
                log.debug("stored manifest {} of {} not reusable: {}", s.manifest(), img.id(), e.getMessage());
            }
        }
        return null;
    }

    /** The manifest as a {@link Reusable} when its config is the image and every layer it names is a stored blob of that layer. */
    Reusable describes(Image img, List<Layer> layers, byte[] bytes, String mediaType) throws IOException {
        ImageManifest m = ManifestCodec.parseManifest(bytes, mediaType);
        if (!img.id().equals(m.config().digest())) return null;
        List<Descriptor> ls = m.layers();
        if (ls.size() != layers.size()) return null;
        List<LayerBlob> blobs = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Digest d = ls.get(i).digest();
            LayerBlob match = layers.get(i).blobs().stream().filter(b -> b.digest().equals(d)).findFirst().orElse(null);
            if (match == null || !store.blobs().exists(d)) return null;
            blobs.add(match);
        }
        return new Reusable(bytes, mediaType, blobs);
    }
}
