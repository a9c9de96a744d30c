package io.imaged.oci;

/** A parsed manifest document: an image manifest or an index (manifest list). */
public sealed interface ManifestDocument permits ImageManifest, ImageIndex {
    /** The document's media type, as declared or (OCI documents may omit it) as its shape says. */
    String mediaType();
}
