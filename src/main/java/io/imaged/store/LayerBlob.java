package io.imaged.store;

import io.imaged.oci.MediaTypes;

import io.imaged.digest.Digest;

/** A stored blob that holds a layer's tar, compressed as {@code mediaType} says. */
public record LayerBlob(Digest digest, String mediaType, long size) {

    /** gzip, as a registry or an archive gave it: what every loader and registry reads as it is. */
    public boolean gzip() {
        return mediaType.equals(MediaTypes.DOCKER_LAYER_GZIP) || mediaType.equals(MediaTypes.OCI_LAYER_GZIP);
    }

    public boolean compressed() {
        return !mediaType.equals(MediaTypes.DOCKER_LAYER_TAR) && !mediaType.equals(MediaTypes.OCI_LAYER_TAR);
    }
}
