package io.imaged.oci;

import java.util.List;

/** An image manifest (Docker schema2 or OCI): the config blob and the layers, base layer first. */
public record ImageManifest(String mediaType, Descriptor config, List<Descriptor> layers) implements ManifestDocument {
    public ImageManifest {
        layers = List.copyOf(layers);
    }
}
