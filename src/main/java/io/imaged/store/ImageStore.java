package io.imaged.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.digest.Digest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Images by ID, after moby's image.Store: config bytes in a {@link StoreBackend}, parent and last-updated as
 * metadata, all indexed in memory. An image is created only when every layer it names is stored.
 */
public class ImageStore {
    private static final String PARENT = "parent";
    private static final String LAST_UPDATED = "lastUpdated";
    private final StoreBackend backend;
    private final LayerStore layers;
    private final ObjectMapper json;
    private final NavigableMap<String, Image> byHex = new ConcurrentSkipListMap<>();
    /** The same images in listing order (newest first, then by ID), kept as they change rather than sorted per request. */
    private final NavigableMap<ListingKey, Image> newestFirst = new ConcurrentSkipListMap<>();
    /** parent ID → IDs of its children, so that children, heads and delete conflicts need no scan of every image. */
    private final Map<Digest, Set<Digest>> childrenOf = new ConcurrentHashMap<>();

    private record ListingKey(Instant created, String hex) implements Comparable<ListingKey> {
        static ListingKey of(Image img) {
            Instant c = img.config().created();
            return new ListingKey(c == null ? Instant.EPOCH : c, img.id().hex());
        }

        @Override
        public int compareTo(ListingKey o) {
            int byTime = o.created.compareTo(created);
            return byTime != 0 ? byTime : hex.compareTo(o.hex);
        }
    }

    public ImageStore(StoreBackend backend, LayerStore layers, ObjectMapper json) {
        this.backend = backend;
        this.layers = layers;
        this.json = json;
    }

    /** Loads every image; one whose config does not parse or whose layers are missing is deleted. */
    public void load() throws IOException {
        byHex.clear();
        newestFirst.clear();
        childrenOf.clear();
        Queue<Digest> broken = new ConcurrentLinkedQueue<>();
        backend.walk((id, bytes) -> { // in parallel
            try {
                Image img = read(id, bytes);
                if (img == null) broken.add(id);
                else put(img);
            } catch (IOException | RuntimeException e) {
                broken.add(id);
            }
        });
        for (Digest id : broken) backend.delete(id);
        // a parent link to an image that is gone is dropped, as moby does
        for (Image img : List.copyOf(byHex.values())) {
            if (img.parent() != null && !byHex.containsKey(img.parent().hex())) {
                backend.deleteMetadata(img.id(), PARENT);
                put(withParent(img, null));
            }
        }
    }

    /** Takes the images of a {@link StoreIndex} as they were when the store last closed. */
    void restore(Collection<Image> indexed) {
        byHex.clear();
        newestFirst.clear();
        childrenOf.clear();
        for (Image img : indexed) put(img);
    }

    private Image read(Digest id, byte[] bytes) throws IOException {
        ImageConfig config = ImageConfig.parse(json, bytes);
        List<Digest> chain = LayerStore.chainIds(config.diffIds());
        long size = 0;
        for (Digest c : chain) {
            Layer l = layers.get(c);
            if (l == null) return null;
            size += l.size();
        }
        byte[] parent = backend.getMetadata(id, PARENT);
        byte[] updated = backend.getMetadata(id, LAST_UPDATED);
        Instant lastUpdated = null;
        if (updated != null) {
            try {
                lastUpdated = Instant.parse(new String(updated, StandardCharsets.UTF_8).trim());
            } catch (RuntimeException ignored) {
                lastUpdated = null;
            }
        }
        Digest parentId = null;
        if (parent != null) {
            try {
                parentId = Digest.parse(new String(parent, StandardCharsets.UTF_8).trim());
            } catch (IllegalArgumentException ignored) {
                parentId = null;
            }
        }
        return new Image(id, config, chain, parentId, size, lastUpdated);
    }

    /**
     * Stores an image from its config bytes, exactly as given. Every layer must already be in the layer
     * store. Metadata is written first; the config file is the commit point. Outside the store an image lands
     * through {@link Store#commit}.
     */
    Image create(byte[] configBytes, Digest parent) throws IOException {
        ImageConfig config = ImageConfig.parse(json, configBytes);
        Digest id = Digest.sha256(configBytes);
        Image existing = byHex.get(id.hex());
        if (existing != null) return existing;
        List<Digest> chain = LayerStore.chainIds(config.diffIds());
        long size = 0;
        for (Digest c : chain) {
            Layer l = layers.get(c);
            if (l == null) throw new IOException("layer " + c + " of image " + id + " is not stored");
            size += l.size();
        }
        if (parent != null) backend.setMetadata(id, PARENT, parent.toString().getBytes(StandardCharsets.UTF_8));
        backend.set(configBytes);
        Image img = new Image(id, config, chain, parent, size, null);
        put(img);
        return img;
    }

    public Image get(Digest id) {
        return byHex.get(id.hex());
    }

    public byte[] configBytes(Digest id) throws IOException {
        return backend.get(id);
    }

    /** Every image, newest first and then by ID: the order of {@code GET /images/json}. */
    public Collection<Image> all() {
        return newestFirst.values();
    }

    private void put(Image img) {
        Image old = byHex.put(img.id().hex(), img);
        if (old != null) unlinkChild(old);
        newestFirst.put(ListingKey.of(img), img);
        if (img.parent() != null) childrenOf.computeIfAbsent(img.parent(), k -> ConcurrentHashMap.newKeySet()).add(img.id());
    }

    private void unlinkChild(Image img) {
        if (img.parent() == null) return;
        childrenOf.computeIfPresent(img.parent(), (k, kids) -> {
            kids.remove(img.id());
            return kids.isEmpty() ? null : kids;
        });
    }

    public int count() {
        return byHex.size();
    }

    /** Images whose hex ID starts with {@code hexPrefix}. */
    public List<Image> searchPrefix(String hexPrefix) {
        Map<String, Image> sub = byHex.subMap(hexPrefix, true, hexPrefix + Character.MAX_VALUE, false);
        return List.copyOf(sub.values());
    }

    public List<Image> children(Digest id) {
        Set<Digest> kids = childrenOf.get(id);
        if (kids == null) return List.of();
        List<Image> out = new ArrayList<>(kids.size());
        for (Digest kid : kids) {
            Image img = byHex.get(kid.hex());
            if (img != null) out.add(img);
        }
        return out;
    }

    /** Images that are no image's parent. */
    public List<Image> heads() {
        return byHex.values().stream().filter(i -> !childrenOf.containsKey(i.id())).toList();
    }

    /** Records the image's last tag time (through {@link Store#commit} from outside the store). */
    void setLastUpdated(Digest id, Instant when) throws IOException {
        Image img = byHex.get(id.hex());
        if (img == null) return;
        backend.setMetadata(id, LAST_UPDATED, when.toString().getBytes(StandardCharsets.UTF_8));
        put(new Image(img.id(), img.config(), img.chainIds(), img.parent(), img.size(), when));
    }

    public void delete(Digest id) throws IOException {
        Image gone = byHex.remove(id.hex());
        if (gone != null) {
            newestFirst.remove(ListingKey.of(gone));
            unlinkChild(gone);
        }
        backend.delete(id);
        for (Image child : children(id)) {
            backend.deleteMetadata(child.id(), PARENT);
            put(withParent(child, null));
        }
    }

    public StoreBackend backend() {
        return backend;
    }

    private static Image withParent(Image img, Digest parent) {
        return new Image(img.id(), img.config(), img.chainIds(), parent, img.size(), img.lastUpdated());
    }
}
