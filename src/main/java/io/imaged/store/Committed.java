package io.imaged.store;

import io.imaged.digest.Digest;
import io.imaged.reference.ImageReference;

import java.util.List;

/**
 * What a {@link Store#commit} changed.
 *
 * @param image      the image as stored after the commit; null when the commit named a stored image that is gone
 *                   (removed by {@code rmi} or prune since the caller looked): then nothing was changed
 * @param created    whether the commit created the image (it was not stored before)
 * @param references each reference set, in the commit's order, with the image it pointed at before
 */
public record Committed(Image image, boolean created, List<ReferenceChange> references) {
    public Committed {
        references = List.copyOf(references);
    }

    /** One reference set by a commit; {@code previous} is the image it pointed at before (null: none). */
    public record ReferenceChange(ImageReference reference, Digest previous) {
    }

    static Committed gone() {
        return new Committed(null, false, List.of());
    }

    /** Whether the image is in the store (false only when a commit named a stored image that is gone). */
    public boolean landed() {
        return image != null;
    }

    /** The image {@code ref} pointed at before the commit set it (null: none, or the commit did not set it). */
    public Digest previous(ImageReference ref) {
        for (ReferenceChange c : references) {
            if (c.reference().equals(ref)) return c.previous();
        }
        return null;
    }
}
