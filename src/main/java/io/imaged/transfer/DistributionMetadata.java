package io.imaged.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imaged.config.ImagedProperties;
import io.imaged.store.BlobRoots;
import io.imaged.store.Digest;
import io.imaged.store.FsStoreBackend;
import io.imaged.store.StoreBackend;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where a pulled image came from: per image (metadata key {@value #KEY}) the repositories it was pulled from with
 * the digest, media type and size of the manifest or index pulled and of the platform manifest chosen. The
 * manifest bytes themselves stay in the blob store (kept alive here as GC roots), so a push can send them
 * unchanged and digests survive a round trip.
 * <p>It reads the image store's metadata through its own backend rather than through {@code Store}: the store
 * asks its {@link BlobRoots} while it is still being constructed (startup garbage collection).
 */
@Component
public class DistributionMetadata implements BlobRoots {
    public static final String KEY = "distribution";
    private final StoreBackend backend;
    private final Path metadataDir;
    private final ObjectMapper json;

    public DistributionMetadata(ImagedProperties props, ObjectMapper json) {
        Path imageRoot = props.dataRoot().toAbsolutePath().normalize().resolve("image");
        try {
            this.backend = new FsStoreBackend(imageRoot);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.metadataDir = imageRoot.resolve("metadata").resolve("sha256");
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

    /** Adds (or refreshes) a source of {@code image}; caller holds the store's write lock. */
    public void record(Digest image, Source source) throws IOException {
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

    @Override
    public Set<Digest> blobRoots() {
        Set<Digest> out = new HashSet<>();
        if (!Files.isDirectory(metadataDir)) return out;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(metadataDir)) {
            for (Path d : dirs) {
                if (!Files.exists(d.resolve(KEY))) continue;
                String hex = d.getFileName().toString();
                if (!Digest.isValid("sha256:" + hex)) continue;
                for (Source s : sources(new Digest("sha256", hex))) {
                    out.add(s.digest());
                    out.add(s.manifest());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pull metadata under " + metadataDir, e);
        }
        return out;
    }
}
