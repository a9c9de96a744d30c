package io.imaged.explore;

import io.imaged.digest.Digest;
import io.imaged.error.ImagedException;
import io.imaged.image.ImageResolver;
import io.imaged.layer.Decompression;
import io.imaged.store.Image;
import io.imaged.store.Layer;
import io.imaged.store.LayerBlob;
import io.imaged.store.Lease;
import io.imaged.store.Store;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dashboard's layer explorer ({@code GET /imaged/images/{name}/layers/{index}/files}): the entries of one layer
 * of an image, a page at a time, with what each adds, changes or deletes and what later layers waste. The first
 * request for an image reads each of its layer tars once; the result is kept for the few images looked at last
 * (an image's layers never change, so it is never stale), so paging through a 100,000-file layer reads nothing again.
 */
@Component
public class LayerExplorer {
    public static final int DEFAULT_LIMIT = 500;
    public static final int MAX_LIMIT = 5000;
    /** Analyses kept: the images a person has open in the dashboard, not a second store. */
    private static final int CACHED_IMAGES = 4;
    private final Store store;
    private final ImageResolver resolver;
    private final Map<Digest, ImageAnalysis> cache = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Digest, ImageAnalysis> eldest) {
            return size() > CACHED_IMAGES;
        }
    };

    public LayerExplorer(Store store, ImageResolver resolver) {
        this.store = store;
        this.resolver = resolver;
    }

    /**
     * One page of the layer's entries, sorted by path.
     *
     * @param index    the layer's position, base first (0-based), as the request wrote it
     * @param offset   the first entry to return, as written (default 0)
     * @param limit    the most entries to return, as written (default {@value #DEFAULT_LIMIT}, at most {@value #MAX_LIMIT})
     * @param contains only entries whose path contains this text (optional)
     */
    public FilesPage files(String name, String index, String offset, String limit, String contains) {
        int off = number("offset", offset, 0, Integer.MAX_VALUE, 0);
        int lim = number("limit", limit, 1, MAX_LIMIT, DEFAULT_LIMIT);
        int layerIndex = number("layer index", index, 0, Integer.MAX_VALUE, -1);
        if (layerIndex < 0) throw ImagedException.invalid("a layer index is required");
        Image img;
        try (Store.Held held = store.read()) {
            img = resolver.resolve(name);
        }
        int count = img.chainIds().size();
        if (layerIndex >= count) {
            throw ImagedException.notFound("image " + img.id() + " has " + count + (count == 1 ? " layer" : " layers")
                    + " (indexes 0 to " + (count - 1) + "); there is no layer " + layerIndex);
        }
        ImageAnalysis analysis = analysis(img);
        List<LayerFile> all = analysis.files().get(layerIndex);
        if (contains != null && !contains.isEmpty()) all = all.stream().filter(f -> f.path().contains(contains)).toList();
        if (off > all.size()) {
            throw ImagedException.invalid("offset " + off + " is past the end: the layer has " + all.size()
                    + (contains == null || contains.isEmpty() ? " entries" : " matching entries"));
        }
        List<LayerFile> page = all.subList(off, Math.min(all.size(), off + lim));
        return new FilesPage(img.id().toString(), analysis.layers().get(layerIndex), off, lim, all.size(), List.copyOf(page),
                analysis.layers(), analysis.wastedBytes(), analysis.efficiency());
    }

    private ImageAnalysis analysis(Image img) {
        synchronized (cache) {
            ImageAnalysis cached = cache.get(img.id());
            if (cached != null) return cached;
        }
        ImageAnalysis computed = read(img);
        synchronized (cache) {
            cache.put(img.id(), computed);
        }
        return computed;
    }

    /** Reads every layer of the image once, under a lease so that a prune meanwhile cannot take them away. */
    private ImageAnalysis read(Image img) {
        try (Lease lease = store.lease()) {
            lease.layers(img.chainIds());
            List<Layer> layers = new ArrayList<>();
            try (Store.Held held = store.read()) {
                for (Digest c : img.chainIds()) {
                    Layer l = store.layers().get(c);
                    if (l == null || l.blobs().isEmpty()) {
                        throw ImagedException.notFound("layer " + c + " of image " + img.id() + " is no longer stored");
                    }
                    layers.add(l);
                }
            }
            List<ImageAnalysis.LayerInput> inputs = new ArrayList<>();
            for (Layer l : layers) {
                LayerBlob blob = l.uncompressedBlob() != null ? l.uncompressedBlob() : l.blobs().get(0);
                try (InputStream in = store.blobs().open(blob.digest()); InputStream tar = Decompression.detect(in)) {
                    inputs.add(new ImageAnalysis.LayerInput(l.diffId().toString(), l.size(), LayerTarScanner.scan(tar)));
                } catch (IOException e) {
                    throw ImagedException.system("cannot read layer " + l.diffId() + ": " + e.getMessage(), e);
                }
            }
            return ImageAnalysis.of(inputs);
        }
    }

    /** A query value as a whole number in [min, max]; absent or empty gives {@code absent}. */
    private static int number(String what, String value, int min, int max, int absent) {
        if (value == null || value.isEmpty()) return absent;
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw ImagedException.invalid(what + " must be a whole number, not '" + abbreviate(value) + "'");
        }
        if (n < min || n > max) {
            throw ImagedException.invalid(what + " must be " + (max == Integer.MAX_VALUE ? "at least " + min
                    : "between " + min + " and " + max) + ", not " + n);
        }
        return (int) n;
    }

    private static String abbreviate(String s) {
        String clean = s.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= 40 ? clean : clean.substring(0, 40) + "...";
    }
}
