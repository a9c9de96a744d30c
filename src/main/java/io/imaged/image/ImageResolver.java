package io.imaged.image;

import io.imaged.digest.Digest;
import io.imaged.error.ImagedException;
import io.imaged.reference.ImageReference;
import io.imaged.reference.InvalidReferenceException;
import io.imaged.store.Image;
import io.imaged.store.Store;
import org.springframework.stereotype.Component;

import java.util.List;
import java.util.regex.Pattern;

/** Resolves what a user typed to an image, the way dockerd's GetImage does. */
@Component
public class ImageResolver {
    private static final Pattern HEX64 = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern HEX_PREFIX = Pattern.compile("(?:sha256:)?[a-f0-9]{1,64}");
    private final Store store;

    public ImageResolver(Store store) {
        this.store = store;
    }

    /** Finds the image or throws not found, {@code No such image: ...} (an invalid argument for a malformed reference). */
    public Image resolve(String refOrId) {
        Image img = find(refOrId);
        if (img == null) throw noSuchImage(describe(refOrId));
        return img;
    }

    /** dockerd's answer for a name that matches no image: not found, {@code No such image: <name>}. */
    public static ImagedException noSuchImage(String name) {
        return ImagedException.notFound("No such image: " + name);
    }

    /** Finds the image, or null; throws only for a malformed reference (invalid argument). */
    public Image find(String refOrId) {
        if (refOrId == null || refOrId.isEmpty()) throw ImagedException.invalid("invalid reference format");
        if (HEX64.matcher(refOrId).matches()) {
            return store.images().get(new Digest("sha256", refOrId));
        }
        if (refOrId.startsWith("sha256:") && Digest.isValid(refOrId)) {
            return store.images().get(Digest.parse(refOrId));
        }
        ImageReference ref;
        try {
            ref = ImageReference.parse(refOrId);
        } catch (InvalidReferenceException e) {
            if (HEX_PREFIX.matcher(refOrId).matches()) return byIdPrefix(refOrId);
            throw e;
        }
        Digest id = store.references().get(ref.hasDigest() ? ref.repository().withDigest(ref.digest()) : ref.withDefaultTag());
        if (id != null) {
            Image img = store.images().get(id);
            if (img != null) return img;
        }
        if (HEX_PREFIX.matcher(refOrId).matches()) return byIdPrefix(refOrId);
        return null;
    }

    private Image byIdPrefix(String term) {
        String hex = term.startsWith("sha256:") ? term.substring(7) : term;
        if (hex.isEmpty()) return null;
        List<Image> found = store.images().searchPrefix(hex);
        // dockerd's GetImage: a prefix that matches several images is no match (digestset's ErrDigestAmbiguous
        // ends as "No such image: 9:latest", a 404) — rmi, inspect, tag, history and save alike
        return found.size() == 1 ? found.get(0) : null;
    }

    /** How dockerd names a missing image: the familiar reference with its default tag, or the ID. */
    public static String describe(String refOrId) {
        if (HEX64.matcher(refOrId).matches()) return "sha256:" + refOrId;
        if (refOrId.startsWith("sha256:")) return refOrId;
        try {
            return ImageReference.parse(refOrId).withDefaultTag().familiarString();
        } catch (InvalidReferenceException e) {
            return refOrId;
        }
    }

    /** True when the user named the image by (a prefix of) its ID rather than by a reference. */
    public static boolean isIdPrefix(Digest id, String term) {
        return id.toString().startsWith(term) || id.hex().startsWith(term);
    }
}
