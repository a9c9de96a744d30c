package io.imaged.store;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.imaged.digest.Digest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Layers by chain ID ({@code layerdb/sha256/<chain hex>.json}), indexed in memory. A layer is registered
 * only after its blob is stored and verified; reference counts are derived from the images that use it.
 */
public class LayerStore {
    private final Path dir;
    private final ObjectMapper json;
    private final Map<Digest, Layer> layers = new ConcurrentHashMap<>();

    public LayerStore(Path root, ObjectMapper json) throws IOException {
        this.dir = root.resolve("sha256");
        this.json = json;
        PrivateFiles.createDirectories(dir);
    }

    /** Loads every layer whose blobs are all present; drops the rest (what a crash left half-done). */
    public void load(BlobStore blobs) throws IOException {
        layers.clear();
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) files.add(p);
        }
        try {
            files.parallelStream().forEach(p -> { // one small file per layer: spread over the cores
                try {
                    loadOne(p, blobs);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        // a layer whose parent is gone cannot be used
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Layer l : List.copyOf(layers.values())) {
                if (l.parent() != null && !layers.containsKey(l.parent())) {
                    delete(l.chainId());
                    changed = true;
                }
            }
        }
    }

    /** Takes the layers of a {@link StoreIndex} as they were when the store last closed. */
    void restore(Collection<Layer> indexed) {
        layers.clear();
        for (Layer l : indexed) layers.put(l.chainId(), l);
    }

    private void loadOne(Path p, BlobStore blobs) throws IOException {
        String n = p.getFileName().toString();
        Layer layer = null;
        if (n.endsWith(".json") && n.length() == 69) {
            try {
                layer = json.readValue(p.toFile(), Layer.class);
            } catch (IOException e) {
                layer = null;
            }
        }
        if (layer == null || !layer.chainId().hex().equals(n.substring(0, 64))) {
            Files.deleteIfExists(p);
            return;
        }
        List<LayerBlob> present = layer.blobs().stream().filter(b -> blobs.exists(b.digest())).toList();
        if (present.isEmpty()) {
            Files.deleteIfExists(p);
            return;
        }
        layers.put(layer.chainId(), new Layer(layer.chainId(), layer.diffId(), layer.parent(), layer.size(), layer.tarSize(), present));
    }

    public Layer get(Digest chainId) {
        return layers.get(chainId);
    }

    public boolean exists(Digest chainId) {
        return layers.containsKey(chainId);
    }

    public Collection<Layer> all() {
        return layers.values();
    }

    /** Registers a layer (or adds a blob to a known one). The blob must already be in the blob store. */
    public synchronized Layer register(Digest parent, Digest diffId, long size, long tarSize, LayerBlob blob) throws IOException {
        Digest chain = Layer.chainId(parent, diffId);
        if (parent != null && !layers.containsKey(parent)) throw new IOException("parent layer " + parent + " is not stored");
        Layer existing = layers.get(chain);
        Layer layer = existing == null ? new Layer(chain, diffId, parent, size, tarSize, List.of(blob)) : existing.withBlob(blob);
        if (layer != existing) {
            AtomicFiles.write(dir.resolve(chain.hex() + ".json"), json.writeValueAsBytes(layer));
            layers.put(chain, layer);
        }
        return layer;
    }

    /** Chain IDs for a list of diff IDs: the chain of each prefix. */
    public static List<Digest> chainIds(List<Digest> diffIds) {
        List<Digest> out = new ArrayList<>(diffIds.size());
        Digest parent = null;
        for (Digest d : diffIds) {
            parent = Layer.chainId(parent, d);
            out.add(parent);
        }
        return out;
    }

    public synchronized void delete(Digest chainId) throws IOException {
        layers.remove(chainId);
        Files.deleteIfExists(dir.resolve(chainId.hex() + ".json"));
    }

    /** Deletes every layer that is not in {@code used}; returns the deleted layers. */
    public synchronized List<Layer> retainOnly(Set<Digest> used) throws IOException {
        List<Layer> removed = new ArrayList<>();
        for (Layer l : List.copyOf(layers.values())) {
            if (!used.contains(l.chainId())) {
                delete(l.chainId());
                removed.add(l);
            }
        }
        if (!removed.isEmpty()) AtomicFiles.fsyncDirectory(dir);
        return removed;
    }

    public Set<Digest> blobDigests() {
        Set<Digest> out = new HashSet<>();
        for (Layer l : layers.values()) l.blobs().forEach(b -> out.add(b.digest()));
        return out;
    }
}
