package io.imaged.image;

import io.imaged.digest.Digest;
import io.imaged.engine.ApiVersion;
import io.imaged.error.ImagedException;
import io.imaged.reference.ImageReference;
import io.imaged.oci.Descriptor;
import io.imaged.oci.ManifestCodec;
import io.imaged.oci.MediaTypes;
import io.imaged.oci.Platform;
import io.imaged.store.DistributionMetadata;
import io.imaged.store.Image;
import io.imaged.store.Layer;
import io.imaged.store.LayerBlob;
import io.imaged.store.Store;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code GET /images/json} and the image part of {@code /system/df}, after dockerd's daemon/images/images.go. */
@Component
public class ImageLister {
    public static final Set<String> ACCEPTED_FILTERS = Set.of("dangling", "label", "before", "since", "reference", "until");
    private final Store store;
    private final ImageResolver resolver;

    public ImageLister(Store store, ImageResolver resolver) {
        this.store = store;
        this.resolver = resolver;
    }

    /** @param manifests fill {@code Manifests} (API 1.47+ {@code manifests=1}, what {@code docker images --tree} shows) */
    public record Options(boolean all, Filters filters, boolean sharedSize, boolean containers, ApiVersion version,
                          boolean manifests) {
        public Options(boolean all, Filters filters, boolean sharedSize, boolean containers, ApiVersion version) {
            this(all, filters, sharedSize, containers, version, false);
        }
    }

    public List<ImageSummary> list(Options o) {
        Filters f = o.filters();
        boolean danglingOnly = f.contains("dangling") && f.bool("dangling", false);
        boolean danglingFalse = f.contains("dangling") && !danglingOnly;
        Instant now = Instant.now();
        Instant before = null;
        Instant since = null;
        Instant until = null;
        for (String b : f.get("before")) before = createdOf(b);
        for (String s : f.get("since")) since = createdOf(s);
        for (String u : f.get("until")) until = Timestamps.parse(u, now);
        List<GlobPattern> refPatterns = new ArrayList<>();
        for (String r : f.get("reference")) refPatterns.add(GlobPattern.compile(r));
        boolean badPattern = refPatterns.stream().anyMatch(p -> !p.isValid());

        // Filtering and sorting run on a snapshot taken under the read lock, never under it: what a client asks
        // for (patterns, many filters) must not keep tag, rmi and pull commits waiting.
        Snapshot snap = snapshot(o.sharedSize());

        List<Row> rows = new ArrayList<>();
        for (Entry e : snap.entries()) {
            Image img = e.image();
            Instant created = img.config().created() == null ? Instant.EPOCH : img.config().created();
            if (before != null && !created.isBefore(before)) continue;
            if (since != null && !created.isAfter(since)) continue;
            if (until != null && created.isAfter(until)) continue;
            if (f.contains("label") && !f.matchLabels("label", img.config().labels())) continue;

            List<String> tags = new ArrayList<>();
            List<String> digests = new ArrayList<>();
            for (ImageReference r : e.references()) {
                if (!refPatterns.isEmpty()) {
                    // dockerd reports a malformed pattern only when it has a reference to match it against
                    if (badPattern) throw ImagedException.invalid(GlobPattern.BAD_PATTERN);
                    // only the references that match are shown, as dockerd does
                    if (!matchesAny(refPatterns, r)) continue;
                }
                if (r.hasDigest()) digests.add(r.familiarString());
                else tags.add(r.familiarString());
            }
            if (!refPatterns.isEmpty() && tags.isEmpty() && digests.isEmpty()) continue;
            if (e.references().isEmpty()) {
                if (!o.all() && snap.parents().contains(img.id())) continue;
                if (danglingFalse) continue;
            } else if (danglingOnly) {
                continue;
            }
            List<String> shownTags = tags;
            List<String> shownDigests = digests;
            if (o.version().lessThan("1.43")) {
                // before 1.43 dockerd filled untagged images with placeholders and sent null for an empty list
                if (tags.isEmpty() && digests.isEmpty()) {
                    shownTags = List.of("<none>:<none>");
                    shownDigests = List.of("<none>@<none>");
                } else {
                    if (tags.isEmpty()) shownTags = null;
                    if (digests.isEmpty()) shownDigests = null;
                }
            }
            long shared = -1;
            if (o.sharedSize()) {
                shared = 0;
                for (Digest c : img.chainIds()) {
                    if (snap.layerUse().getOrDefault(c, 0) > 1) shared += snap.layerSizes().getOrDefault(c, 0L);
                }
            }
            rows.add(new Row(created, new ImageSummary(o.containers() ? 0 : -1, img.createdEpochSeconds(), img.id().toString(),
                    img.config().labels(),
                    img.parent() == null ? "" : img.parent().toString(), null, o.manifests() ? manifestsOf(img) : null,
                    shownDigests, shownTags, shared, img.size(), o.version().lessThan("1.44") ? img.size() : null)));
        }
        // newest first; dockerd compares whole seconds and leaves ties in map order, sub-second precision
        // keeps images imported in the same second in the order they were made
        rows.sort(Comparator.comparing(Row::created).reversed().thenComparing(r -> r.summary().id()));
        List<ImageSummary> out = new ArrayList<>(rows.size());
        for (Row r : rows) out.add(r.summary());
        return out;
    }

    /** One image and its references, as they were when the snapshot was taken (both are immutable values). */
    private record Entry(Image image, List<ImageReference> references) {
    }

    /** What a listing reads from the store, copied in one step under the read lock so that it is consistent. */
    private record Snapshot(List<Entry> entries, Set<Digest> parents, Map<Digest, Integer> layerUse, Map<Digest, Long> layerSizes) {
    }

    /** Work proportional to the store only (no filter runs here), so the read lock is held briefly. */
    private Snapshot snapshot(boolean withLayers) {
        try (Store.Held held = store.read()) {
            List<Entry> entries = new ArrayList<>(store.images().count());
            Set<Digest> parents = new HashSet<>();
            for (Image img : store.images().all()) {
                entries.add(new Entry(img, store.references().referencesTo(img.id())));
                if (img.parent() != null) parents.add(img.parent());
            }
            Map<Digest, Integer> use = Map.of();
            Map<Digest, Long> sizes = Map.of();
            if (withLayers) {
                use = new HashMap<>();
                sizes = new HashMap<>();
                for (Entry e : entries) {
                    for (Digest c : e.image().chainIds()) {
                        use.merge(c, 1, Integer::sum);
                        var layer = store.layers().get(c);
                        if (layer != null) sizes.putIfAbsent(c, layer.size());
                    }
                }
            }
            return new Snapshot(entries, parents, use, sizes);
        }
    }

    /**
     * The image's one manifest as an ImageManifestSummary (v1.50 spec; Go's field order): imaged keeps one platform
     * per image, so one entry of kind "image". Its ID and descriptor are the manifest the image was last pulled or
     * pushed with when that manifest is stored, else the OCI manifest {@code docker save} writes for it
     * ({@link SavedManifest}). Content counts the stored bytes the manifest names: the manifest (when stored), the
     * config and each layer's blob as distributed (the compressed one when the layer came compressed); Unpacked is
     * the image's size; Total is their sum, as the spec says. Available: every layer blob is stored.
     */
    private List<Object> manifestsOf(Image img) {
        try (Store.Held held = store.read()) {
            byte[] config = store.images().configBytes(img.id());
            if (config == null) return List.of();
            boolean available = true;
            long content = config.length;
            List<Layer> layers = new ArrayList<>(img.chainIds().size());
            for (Digest c : img.chainIds()) {
                Layer l = store.layers().get(c);
                if (l == null) {
                    available = false;
                    continue;
                }
                layers.add(l);
                LayerBlob blob = l.blobs().stream().filter(LayerBlob::compressed).findFirst().orElse(l.uncompressedBlob());
                if (blob == null && !l.blobs().isEmpty()) blob = l.blobs().get(0);
                if (blob != null && store.blobs().exists(blob.digest())) content += blob.size();
                else available = false;
            }
            Descriptor manifest = null;
            List<DistributionMetadata.Source> sources = store.distribution().sources(img.id());
            for (int i = sources.size() - 1; i >= 0 && manifest == null; i--) {
                DistributionMetadata.Source src = sources.get(i);
                if (src.manifest() != null && store.blobs().exists(src.manifest())) {
                    manifest = new Descriptor(src.manifestMediaType(), src.manifest(), src.manifestSize());
                    content += src.manifestSize();
                }
            }
            if (manifest == null) {
                byte[] saved = SavedManifest.bytes(img.id(), config.length, layers);
                manifest = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(saved), saved.length);
            }
            Map<String, Object> platform = new Platform(nz(img.config().os()), nz(img.config().architecture()),
                    nz(img.config().variant()), "", List.of()).fields();
            Map<String, Object> size = new LinkedHashMap<>();
            size.put("Total", content + img.size());
            size.put("Content", content);
            Map<String, Object> imageData = new LinkedHashMap<>();
            imageData.put("Platform", platform);
            imageData.put("Containers", List.of());
            imageData.put("Size", Map.of("Unpacked", img.size()));
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("ID", manifest.digest().toString());
            summary.put("Descriptor", ManifestCodec.descriptorFields(manifest));
            summary.put("Available", available);
            summary.put("Size", size);
            summary.put("Kind", "image");
            summary.put("ImageData", imageData);
            return List.of(summary);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private record Row(Instant created, ImageSummary summary) {
    }

    private Instant createdOf(String ref) {
        Image img = resolver.find(ref);
        if (img == null) throw ImageResolver.noSuchImage(ImageResolver.describe(ref));
        return img.config().created() == null ? Instant.EPOCH : img.config().created();
    }

    /** How many images use each layer (for SharedSize). */
    public Map<Digest, Integer> layerUse() {
        Map<Digest, Integer> use = new HashMap<>();
        for (Image img : store.images().all()) for (Digest c : img.chainIds()) use.merge(c, 1, Integer::sum);
        return use;
    }

    /** dockerd's reference.FamiliarMatch: the familiar string ({@code busybox:latest}), else the familiar name. */
    private static boolean matchesAny(List<GlobPattern> patterns, ImageReference r) {
        String familiar = r.familiarString();
        String familiarName = r.familiarName();
        for (GlobPattern p : patterns) {
            if (p.matches(familiar) || p.matches(familiarName)) return true;
        }
        return false;
    }
}
