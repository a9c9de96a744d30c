package io.imaged.disk;

import io.imaged.digest.Digest;
import io.imaged.error.ImagedException;
import io.imaged.store.Image;
import io.imaged.store.Layer;
import io.imaged.store.LayerBlob;
import io.imaged.store.Store;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The store's images, layers and blobs by size, what is shared and what a prune would free: one pass over the
 * images and layers (in memory) and one stat per blob, under the store's read hold. Thousands of images take
 * milliseconds.
 */
@Component
public class DiskUsage {
    public static final int DEFAULT_TOP = 20;
    public static final int MAX_TOP = 1000;

    private final Store store;

    public DiskUsage(Store store) {
        this.store = store;
    }

    /** {@code top}: how many of the largest layers and blobs to list, 1…1000 (text, so that a bad one gets a 400 in words). */
    public DiskReport report(String top) {
        int n = parseTop(top);
        try (Store.Held held = store.read()) {
            return compute(n);
        }
    }

    static int parseTop(String top) {
        if (top == null || top.isEmpty()) return DEFAULT_TOP;
        int n;
        try {
            n = Integer.parseInt(top);
        } catch (NumberFormatException e) {
            throw ImagedException.invalid("top must be a whole number from 1 to " + MAX_TOP + ", not " + top);
        }
        if (n < 1 || n > MAX_TOP) throw ImagedException.invalid("top must be a whole number from 1 to " + MAX_TOP + ", not " + top);
        return n;
    }

    private DiskReport compute(int top) {
        // dangling as docker image prune sees it: no tag (a digest reference alone does not keep an image); an
        // untagged image that other images build on stays (ImageService.prune)
        Set<Digest> tagged = new HashSet<>();
        for (Map.Entry<String, Digest> r : store.references().snapshot().entrySet()) {
            if (!r.getKey().contains("@")) tagged.add(r.getValue());
        }
        Set<Digest> heads = new HashSet<>();
        for (Image img : store.images().heads()) heads.add(img.id());
        Map<Digest, List<Digest>> users = new HashMap<>();
        Set<Digest> keptLayers = new HashSet<>();
        Set<Digest> configs = new HashSet<>();
        int images = 0, dangling = 0;
        for (Image img : store.images().all()) {
            images++;
            configs.add(img.id());
            boolean isTagged = tagged.contains(img.id());
            if (!isTagged) dangling++;
            boolean stays = isTagged || !heads.contains(img.id());
            for (Digest chain : new HashSet<>(img.chainIds())) {
                users.computeIfAbsent(chain, k -> new ArrayList<>(1)).add(img.id());
                if (stays) keptLayers.add(chain);
            }
        }
        long layersBytes = 0, sharedBytes = 0, danglingFrees = 0;
        int layerCount = 0, shared = 0;
        Map<Digest, LayerBlob> layerBlobs = new HashMap<>();
        List<DiskReport.LayerUse> layerUses = new ArrayList<>();
        for (Layer l : store.layers().all()) {
            layerCount++;
            layersBytes += l.size();
            List<Digest> by = users.getOrDefault(l.chainId(), List.of());
            if (by.size() > 1) {
                shared++;
                sharedBytes += l.size();
            }
            if (!by.isEmpty() && !keptLayers.contains(l.chainId())) danglingFrees += l.size();
            for (LayerBlob b : l.blobs()) layerBlobs.put(b.digest(), b);
            // the blob as pulled (compressed) when there is one, else the plain tar
            long blobSize = l.blobs().stream().filter(LayerBlob::compressed).mapToLong(LayerBlob::size).findFirst()
                    .orElse(l.blobs().isEmpty() ? 0 : l.blobs().get(0).size());
            layerUses.add(new DiskReport.LayerUse(l.chainId().toString(), l.diffId().toString(), l.size(), by.size(),
                    by.stream().limit(5).map(Digest::toString).toList(), blobSize));
        }
        layerUses.sort(Comparator.comparingLong(DiskReport.LayerUse::size).reversed().thenComparing(DiskReport.LayerUse::chainId));

        Set<Digest> kept = store.keptBlobs();
        List<DiskReport.BlobUse> blobUses = new ArrayList<>();
        long[] totals = new long[2];
        int[] unreferenced = {0};
        try {
            store.blobs().forEach(d -> {
                long size;
                try {
                    size = store.blobs().size(d);
                } catch (IOException gone) {
                    return; // removed meanwhile
                }
                LayerBlob lb = layerBlobs.get(d);
                String kind = lb != null ? "layer" : configs.contains(d) ? "config" : kept.contains(d) ? "manifest" : "unreferenced";
                boolean referenced = !kind.equals("unreferenced");
                totals[0] += size;
                if (!referenced) {
                    unreferenced[0]++;
                    totals[1] += size;
                }
                blobUses.add(new DiskReport.BlobUse(d.toString(), kind, lb == null ? "" : lb.mediaType(), size, referenced));
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int blobCount = blobUses.size();
        blobUses.sort(Comparator.comparingLong(DiskReport.BlobUse::size).reversed().thenComparing(DiskReport.BlobUse::digest));
        return new DiskReport(images, dangling, layerCount, layersBytes, shared, sharedBytes, blobCount, totals[0],
                unreferenced[0], totals[1], danglingFrees, layersBytes,
                List.copyOf(layerUses.subList(0, Math.min(top, layerUses.size()))),
                List.copyOf(blobUses.subList(0, Math.min(top, blobUses.size()))));
    }
}
