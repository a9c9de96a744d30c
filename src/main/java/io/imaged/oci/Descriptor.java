package io.imaged.oci;

import io.imaged.digest.Digest;

import java.util.Map;

/**
 * What a manifest or index says about one blob it names: media type, digest and size, and for an index entry the
 * platform it is for and its annotations.
 *
 * @param platform    the platform of an index entry; null elsewhere or when the entry names none
 * @param annotations never null
 */
public record Descriptor(String mediaType, Digest digest, long size, Platform platform, Map<String, String> annotations) {
    public Descriptor {
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    public Descriptor(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, null, Map.of());
    }

    public String annotation(String key) {
        return annotations.getOrDefault(key, "");
    }
}
