package io.imaged.store;

import io.imaged.digest.Digest;
import io.imaged.reference.ImageReference;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Carries out an {@link ImageCommit} over the store's parts, in the order that keeps every crash point
 * recoverable: the image (its config is the commit point), then the references with the tag time, then the
 * distribution source, then the verified-partial markers. The caller ({@link Store#commit}) holds the write hold.
 */
final class ImageCommitter {
    private final ImageStore images;
    private final ReferenceStore references;
    private final DistributionMetadata distribution;
    private final PartialDownloads partials;

    ImageCommitter(ImageStore images, ReferenceStore references, DistributionMetadata distribution, PartialDownloads partials) {
        this.images = images;
        this.references = references;
        this.distribution = distribution;
        this.partials = partials;
    }

    Committed commit(ImageCommit c) throws IOException {
        Image img;
        boolean created = false;
        if (c.config() != null) {
            created = images.get(Digest.sha256(c.config())) == null;
            img = images.create(c.config(), c.parent());
        } else {
            img = images.get(c.image());
            if (img == null) return Committed.gone();
        }
        List<Committed.ReferenceChange> changes = new ArrayList<>(c.references().size());
        for (ImageReference ref : c.references()) {
            Digest held = ref.hasDigest() ? references.get(ref) : null;
            if (held != null && !held.equals(img.id()) && images.get(held) != null) {
                // moby's addDigestReference: a repo@digest reference never moves ("Updating digests not supported by
                // reference store"); pulling another platform of the same index leaves it on the image it named
                changes.add(new Committed.ReferenceChange(ref, held));
                continue;
            }
            changes.add(new Committed.ReferenceChange(ref, references.put(ref, img.id())));
            if (c.tagTime() != null) images.setLastUpdated(img.id(), c.tagTime());
        }
        if (c.source() != null) distribution.record(img.id(), c.source());
        for (Digest blob : c.verifiedBlobs()) partials.clearVerified(blob);
        return new Committed(images.get(img.id()), created, changes);
    }
}
