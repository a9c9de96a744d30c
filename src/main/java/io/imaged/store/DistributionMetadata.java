package io.imaged.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.imaged.digest.Digest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where a pulled image came from: per image (metadata key {@value #KEY}) the repositories it was pulled from with
 * the digest, media type and size of the manifest or index pulled and of the platform manifest chosen. The
 * manifest bytes themselves stay in the blob store (kept alive here as GC roots), so a push can send them
 * unchanged and digests survive a round trip.
 * <p>Part of the store: kept as metadata of the image store's backend, so an image's sources go with it.
 */
public class DistributionMetadata {
    public static final String KEY = "distribution";
    private final StoreBackend backend;
    private final ObjectMapper json;

    DistributionMetadata(StoreBackend backend, ObjectMapper json) {
        this.backend = backend;
        this.json = json;
    }

    /**
     * One pull source.
     *
     * @param repository        fully qualified repository ({@code docker.io/library/busybox})
     * @param digest            digest of what the reference named (index or manifest) — the RepoDigest
     * @param mediaType         its media type
     * @param size              its size in bytes
     * @param manifest          digest of the image manifest (equal to {@code digest} without an index)
     * @param manifestMediaType the image manifest's media type
     * @param manifestSize      the image manifest's size
     */
    public record Source(String repository, Digest digest, String mediaType, long size, Digest manifest,
                         String manifestMediaType, long manifestSize) {
    }

    /** Adds (or refreshes) a source of {@code image}; {@link Store#commit} calls it under the write hold. */
    void record(Digest image, Source source) throws IOException {
        List<Source> all = new ArrayList<>(sources(image));
        all.removeIf(s -> s.repository().equals(source.repository()) && s.digest().equals(source.digest()));
        all.add(source);
        ObjectNode root = json.createObjectNode();
        ArrayNode arr = root.putArray("sources");
        for (Source s : all) arr.add(json.valueToTree(s));
        backend.setMetadata(image, KEY, json.writeValueAsBytes(root));
    }

    public List<Source> sources(Digest image) {
        try {
            byte[] bytes = backend.getMetadata(image, KEY);
            if (bytes == null) return List.of();
            List<Source> out = new ArrayList<>();
            for (JsonNode n : json.readTree(bytes).path("sources")) out.add(json.treeToValue(n, Source.class));
            return out;
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** The manifests and indexes the sources of {@code images} name: blobs kept for a later push. */
    Set<Digest> blobRoots(Iterable<Digest> images) {
        Set<Digest> out = new HashSet<>();
        for (Digest image : images) {
            for (Source s : sources(image)) {
                out.add(s.digest());
                out.add(s.manifest());
            }
        }
        return out;
    }
}
