package io.imaged.oci;

import java.util.List;

/** An index (OCI) or manifest list (Docker): one image manifest per platform, possibly other artifacts too. */
public record ImageIndex(String mediaType, List<Descriptor> manifests) implements ManifestDocument {
    public ImageIndex {
        manifests = List.copyOf(manifests);
    }
}
