package io.imaged.store;

import io.imaged.digest.Digest;
import io.imaged.reference.ImageReference;

import java.time.Instant;
import java.util.List;

/**
 * What lands an image in the store, in one {@link Store#commit}: the image — created from its config bytes, or one
 * already stored, named by its ID — then the references to point at it, the tag time to record, the distribution
 * source it came from or went to, and the blobs whose verified-partial marker can go now that an image holds them.
 * Build one with {@link #create} or {@link #existing} and the {@code with…} methods.
 *
 * @param config        config bytes exactly as received (the image ID is their sha256); null when {@code image} is set
 * @param image         ID of an image already stored; null when {@code config} is set
 * @param parent        parent of an image created here (import of a child, tests), or null
 * @param references    set in this order, each to the image — except a {@code repo@digest} reference that already
 *                      names another stored image: it stays there (moby's addDigestReference), and the commit's
 *                      {@link Committed#previous} reports that image
 * @param tagTime       recorded as the image's last tag time as each reference is set (tag, load, import); null:
 *                      not recorded (pull, push)
 * @param source        recorded as a distribution source of the image (pull, push), or null
 * @param verifiedBlobs blobs of a pull whose verified-partial marker is cleared
 */
public record ImageCommit(byte[] config, Digest image, Digest parent, List<ImageReference> references, Instant tagTime,
                          DistributionMetadata.Source source, List<Digest> verifiedBlobs) {
    public ImageCommit {
        if ((config == null) == (image == null)) {
            throw new IllegalArgumentException("an image commit names either config bytes or a stored image");
        }
        if (image != null && parent != null) throw new IllegalArgumentException("a parent is given only to an image created here");
        references = List.copyOf(references);
        verifiedBlobs = List.copyOf(verifiedBlobs);
    }

    /** Creates the image from {@code config} (or takes the stored image with that ID). */
    public static ImageCommit create(byte[] config) {
        return new ImageCommit(config, null, null, List.of(), null, null, List.of());
    }

    /** Lands on the stored image {@code id}; nothing changes if it is gone by then. */
    public static ImageCommit existing(Digest id) {
        return new ImageCommit(null, id, null, List.of(), null, null, List.of());
    }

    public ImageCommit withParent(Digest parent) {
        return new ImageCommit(config, image, parent, references, tagTime, source, verifiedBlobs);
    }

    public ImageCommit withReferences(List<ImageReference> references) {
        return new ImageCommit(config, image, parent, references, tagTime, source, verifiedBlobs);
    }

    public ImageCommit withTagTime(Instant tagTime) {
        return new ImageCommit(config, image, parent, references, tagTime, source, verifiedBlobs);
    }

    public ImageCommit withSource(DistributionMetadata.Source source) {
        return new ImageCommit(config, image, parent, references, tagTime, source, verifiedBlobs);
    }

    public ImageCommit clearingVerified(List<Digest> verifiedBlobs) {
        return new ImageCommit(config, image, parent, references, tagTime, source, verifiedBlobs);
    }
}
