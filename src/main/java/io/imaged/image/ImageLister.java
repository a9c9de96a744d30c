package io.imaged.image;

import io.imaged.api.ApiException;
import io.imaged.api.ApiVersion;
import io.imaged.store.Digest;
import io.imaged.store.Store;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

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

    public record Options(boolean all, Filters filters, boolean sharedSize, boolean containers, ApiVersion version) {
    }

    public List<ImageSummary> list(Options o) {
        Filters f = o.filters();
        boolean danglingOnly = f.contains("dangling") && f.bool("dangling", false);
        boolean danglingFalse = f.contains("dangling") && !danglingOnly;
        Instant now = Instant.now();
        Instant before = null;
        Instant since = null;
        Instant until = null;
        store.lock().readLock().lock();
        try {
            for (String b : f.get("before")) before = createdOf(b);
            for (String s : f.get("since")) since = createdOf(s);
            for (String u : f.get("until")) until = Timestamps.parse(u, now);
            List<Pattern> refPatterns = new ArrayList<>();
            for (String r : f.get("reference")) refPatterns.add(glob(r));

            Map<Digest, Integer> layerUse = o.sharedSize() ? layerUse() : Map.of();
            Set<Digest> parents = new HashSet<>();
            for (Image img : store.images().all()) if (img.parent() != null) parents.add(img.parent());

            List<Row> rows = new ArrayList<>();
            for (Image img : store.images().all()) {
                Instant created = img.config().created() == null ? Instant.EPOCH : img.config().created();
                if (before != null && !created.isBefore(before)) continue;
                if (since != null && !created.isAfter(since)) continue;
                if (until != null && created.isAfter(until)) continue;
                if (f.contains("label") && !f.matchLabels("label", img.config().labels())) continue;

                List<ImageReference> refs = store.references().referencesTo(img.id());
                List<String> tags = new ArrayList<>();
                List<String> digests = new ArrayList<>();
                boolean refMatched = refPatterns.isEmpty();
                for (ImageReference r : refs) {
                    if (!refPatterns.isEmpty() && !refMatched) refMatched = matchesAny(refPatterns, r);
                    if (r.hasDigest()) digests.add(r.familiarString());
                    else tags.add(r.familiarString());
                }
                if (!refMatched) continue;
                if (!refPatterns.isEmpty()) {
                    // only the references that matched are shown, as dockerd does
                    tags.removeIf(t -> !matchesAny(refPatterns, ImageReference.parse(t)));
                    digests.removeIf(d -> !matchesAny(refPatterns, ImageReference.parse(d)));
                }
                if (refs.isEmpty()) {
                    if (!o.all() && parents.contains(img.id())) continue;
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
                        if (layerUse.getOrDefault(c, 0) > 1) shared += store.layers().get(c).size();
                    }
                }
                rows.add(new Row(created, new ImageSummary(o.containers() ? 0 : -1, img.createdEpochSeconds(), img.id().toString(),
                        img.config().labels(),
                        img.parent() == null ? "" : img.parent().toString(), null, null,
                        shownDigests, shownTags, shared, img.size(), o.version().lessThan("1.44") ? img.size() : null)));
            }
            // newest first; dockerd compares whole seconds and leaves ties in map order, sub-second precision
            // keeps images imported in the same second in the order they were made
            rows.sort(Comparator.comparing(Row::created).reversed().thenComparing(r -> r.summary().id()));
            List<ImageSummary> out = new ArrayList<>(rows.size());
            for (Row r : rows) out.add(r.summary());
            return out;
        } finally {
            store.lock().readLock().unlock();
        }
    }

    private record Row(Instant created, ImageSummary summary) {
    }

    private Instant createdOf(String ref) {
        Image img = resolver.find(ref);
        if (img == null) throw ApiException.noSuchImage(ImageResolver.describe(ref));
        return img.config().created() == null ? Instant.EPOCH : img.config().created();
    }

    /** How many images use each layer (for SharedSize). */
    public Map<Digest, Integer> layerUse() {
        Map<Digest, Integer> use = new HashMap<>();
        for (Image img : store.images().all()) for (Digest c : img.chainIds()) use.merge(c, 1, Integer::sum);
        return use;
    }

    private static boolean matchesAny(List<Pattern> patterns, ImageReference r) {
        String familiarName = r.familiarName();
        String familiar = r.familiarString();
        for (Pattern p : patterns) {
            if (p.matcher(familiar).matches() || p.matcher(familiarName).matches()) return true;
        }
        return false;
    }

    /** Go's path.Match glob: {@code *} and {@code ?} do not cross {@code /}; {@code [..]} classes. */
    static Pattern glob(String g) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < g.length(); i++) {
            char c = g.charAt(i);
            switch (c) {
                case '*' -> re.append("[^/]*");
                case '?' -> re.append("[^/]");
                case '[' -> {
                    int end = g.indexOf(']', i + 1);
                    if (end < 0) throw ApiException.badRequest("syntax error in pattern");
                    String cls = g.substring(i + 1, end);
                    if (cls.startsWith("^")) cls = "!" + cls.substring(1);
                    re.append('[').append(cls.startsWith("!") ? "^" + Pattern.quote(cls.substring(1)).replace("\\Q", "").replace("\\E", "") : cls).append(']');
                    i = end;
                }
                case '\\' -> {
                    if (i + 1 < g.length()) re.append(Pattern.quote(String.valueOf(g.charAt(++i))));
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
