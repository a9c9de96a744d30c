package io.imaged.image;

import io.imaged.digest.Digest;
import io.imaged.error.ImagedException;
import io.imaged.error.ImagedException.Kind;
import io.imaged.events.EventBus;
import io.imaged.reference.ImageReference;
import io.imaged.reference.InvalidReferenceException;
import io.imaged.store.Image;
import io.imaged.store.ImageCommit;
import io.imaged.store.Layer;
import io.imaged.store.Store;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Tag, untag and delete with dockerd's rules and answers (daemon/images/image_delete.go). */
@Service
public class ImageService {
    private final Store store;
    private final ImageResolver resolver;
    private final EventBus events;

    public ImageService(Store store, ImageResolver resolver, EventBus events) {
        this.store = store;
        this.resolver = resolver;
        this.events = events;
    }

    /** {@code POST /images/{name}/tag}: points repo[:tag] at the image. */
    public void tag(String source, String repo, String tag) {
        if (repo == null || repo.isEmpty()) throw ImagedException.invalid("invalid reference format");
        ImageReference target;
        try {
            target = ImageReference.parse(repo);
        } catch (InvalidReferenceException e) {
            throw e;
        }
        if (target.hasDigest()) throw ImagedException.invalid("refusing to create a tag with a digest reference");
        target.checkTaggable();
        if (tag != null && !tag.isEmpty()) {
            if (!ImageReference.isValidTag(tag)) throw ImagedException.invalid("invalid tag format");
            target = target.withTag(tag);
        }
        target = target.withDefaultTag();
        try (Store.Held held = store.write()) {
            Image img = resolver.resolve(source);
            addTag(target, img.id());
        }
    }

    /** Points a tag at an image and records the tag time (one store commit); caller holds the write lock. */
    public void addTag(ImageReference target, Digest id) {
        try {
            store.commit(ImageCommit.existing(id).withReferences(List.of(target)).withTagTime(Instant.now()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        events.image("tag", id.toString(), target.familiarString(), labels(id));
    }

    /** An image's labels, which dockerd adds to the attributes of its image events. */
    private java.util.Map<String, String> labels(Digest id) {
        Image img = store.images().get(id);
        return img == null ? null : img.config().labels();
    }

    /** {@code DELETE /images/{name}}. */
    public List<DeleteResponseItem> delete(String imageRef, boolean force, boolean prune) {
        try (Store.Held held = store.write()) {
            List<DeleteResponseItem> records = deleteLocked(imageRef, force, prune);
            store.collectGarbage();
            return records;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<DeleteResponseItem> deleteLocked(String imageRef, boolean force, boolean prune) throws IOException {
        Image img = resolver.resolve(imageRef);
        Digest id = img.id();
        List<DeleteResponseItem> records = new ArrayList<>();
        List<ImageReference> repoRefs = store.references().referencesTo(id);
        boolean removedRepositoryRef = false;
        if (!ImageResolver.isIdPrefix(id, imageRef)) {
            ImageReference parsed = ImageReference.parse(imageRef);
            parsed = parsed.hasDigest() ? parsed.repository().withDigest(parsed.digest()) : parsed.withDefaultTag();
            removeRef(parsed, id);
            records.add(DeleteResponseItem.untagged(parsed.familiarString()));
            repoRefs = store.references().referencesTo(id);
            if (!parsed.hasDigest()) {
                String name = parsed.name();
                boolean foundTagInRepo = repoRefs.stream().anyMatch(r -> !r.hasDigest() && r.name().equals(name));
                if (!foundTagInRepo) {
                    List<ImageReference> remaining = new ArrayList<>();
                    for (ImageReference r : repoRefs) {
                        if (r.hasDigest() && r.name().equals(name)) {
                            removeRef(r, id);
                            records.add(DeleteResponseItem.untagged(r.familiarString()));
                        } else {
                            remaining.add(r);
                        }
                    }
                    repoRefs = remaining;
                }
            }
            if (!repoRefs.isEmpty()) return records;
            removedRepositoryRef = true;
        } else if (isSingleReference(repoRefs)) {
            checkConflict(id, Conflict.HARD); // soft conflicts are the references about to be removed
            for (ImageReference r : repoRefs) {
                removeRef(r, id);
                records.add(DeleteResponseItem.untagged(r.familiarString()));
            }
        }
        deleteHelper(id, records, force, prune, removedRepositoryRef);
        return records;
    }

    private void deleteHelper(Digest id, List<DeleteResponseItem> records, boolean force, boolean prune, boolean quiet) throws IOException {
        int mask = Conflict.HARD | (force ? 0 : Conflict.SOFT);
        ImagedException conflict = conflict(id, mask);
        if (conflict != null) {
            if (quiet && !isDangling(id)) return;
            throw conflict;
        }
        Image img = store.images().get(id);
        Digest parent = img.parent();
        for (ImageReference r : store.references().referencesTo(id)) {
            removeRef(r, id);
            records.add(DeleteResponseItem.untagged(r.familiarString()));
        }
        Set<Digest> stillUsed = new HashSet<>();
        for (Image other : store.images().all()) if (!other.id().equals(id)) stillUsed.addAll(other.chainIds());
        store.images().delete(id);
        events.image("delete", id.toString(), id.toString());
        records.add(DeleteResponseItem.deleted(id.toString()));
        List<Digest> chain = img.chainIds();
        for (int i = chain.size() - 1; i >= 0; i--) {
            Digest c = chain.get(i);
            if (stillUsed.contains(c)) break;
            records.add(DeleteResponseItem.deleted(c.toString()));
        }
        if (!prune || parent == null || store.images().get(parent) == null) return;
        deleteHelper(parent, records, false, true, true);
    }

    private boolean isDangling(Digest id) {
        return store.references().referencesTo(id).isEmpty() && store.images().children(id).isEmpty();
    }

    private void removeRef(ImageReference ref, Digest id) throws IOException {
        if (store.references().remove(ref)) events.image("untag", id.toString(), id.toString(), labels(id)); // dockerd names the ID, not the tag
    }

    /** dockerd's isSingleReference: at most one tag, and all references within one repository. */
    static boolean isSingleReference(List<ImageReference> refs) {
        if (refs.size() <= 1) return refs.size() == 1;
        ImageReference single = null;
        Set<String> canonical = new HashSet<>();
        for (ImageReference r : refs) {
            if (r.hasDigest()) canonical.add(r.name());
            else if (single == null) single = r;
            else return false;
        }
        if (single == null) single = refs.get(0);
        return canonical.size() == 1 && canonical.contains(single.name());
    }

    private void checkConflict(Digest id, int mask) {
        ImagedException c = conflict(id, mask);
        if (c != null) throw c;
    }

    private ImagedException conflict(Digest id, int mask) {
        if ((mask & Conflict.DEPENDENT_CHILD) != 0 && !store.images().children(id).isEmpty()) {
            return ImagedException.conflict("conflict: unable to delete " + id.shortHex()
                    + " (cannot be forced) - image has dependent child images");
        }
        if ((mask & Conflict.ACTIVE_REFERENCE) != 0 && !store.references().referencesTo(id).isEmpty()) {
            return ImagedException.conflict("conflict: unable to delete " + id.shortHex()
                    + " (must be forced) - image is referenced in multiple repositories");
        }
        return null;
    }

    /** dockerd's conflict classes; imaged has no containers, so only these two can arise. */
    static final class Conflict {
        static final int DEPENDENT_CHILD = 1;
        static final int ACTIVE_REFERENCE = 4;
        static final int HARD = DEPENDENT_CHILD;
        static final int SOFT = ACTIVE_REFERENCE;

        private Conflict() {
        }
    }

    /** Result of a prune: what went, and how many layer bytes were freed. */
    public record PruneReport(List<DeleteResponseItem> deleted, long spaceReclaimed) {
    }

    /** {@code POST /images/prune} after dockerd's ImagesPrune. */
    public PruneReport prune(boolean danglingOnly, Instant until, java.util.function.Predicate<Image> labelsMatch) {
        try (Store.Held held = store.write()) {
            Map<Digest, Layer> allLayers = new HashMap<>();
            for (Layer l : store.layers().all()) allLayers.put(l.chainId(), l);
            List<Image> candidates = danglingOnly ? store.images().heads() : List.copyOf(store.images().all());
            List<Image> top = new ArrayList<>();
            for (Image img : candidates) {
                if (store.references().referencesTo(img.id()).isEmpty() && !store.images().children(img.id()).isEmpty()) continue;
                if (until != null && (img.config().created() == null || img.config().created().isAfter(until))) continue;
                if (!labelsMatch.test(img)) continue;
                top.add(img);
            }
            List<DeleteResponseItem> deleted = new ArrayList<>();
            for (Image img : top) {
                if (store.images().get(img.id()) == null) continue;
                List<ImageReference> refs = store.references().referencesTo(img.id());
                if (!refs.isEmpty()) {
                    boolean shouldDelete = !danglingOnly || refs.stream().allMatch(ImageReference::hasDigest);
                    if (!shouldDelete) continue;
                    for (ImageReference r : refs) {
                        try {
                            deleted.addAll(deleteLocked(r.toString(), false, true));
                        } catch (ImagedException e) {
                            if (e.kind() != Kind.CONFLICT && e.kind() != Kind.NOT_FOUND) throw e;
                        }
                    }
                } else {
                    try {
                        deleted.addAll(deleteLocked(img.id().hex(), false, true));
                    } catch (ImagedException e) {
                        if (e.kind() != Kind.CONFLICT && e.kind() != Kind.NOT_FOUND) throw e;
                    }
                }
            }
            long reclaimed = 0;
            for (DeleteResponseItem d : deleted) {
                if (d.deleted() != null) {
                    Layer l = allLayers.get(Digest.parse(d.deleted()));
                    if (l != null) reclaimed += l.size();
                }
            }
            store.collectGarbage();
            events.image("prune", "", Map.of("reclaimed", Long.toString(reclaimed)));
            return new PruneReport(deleted, reclaimed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
