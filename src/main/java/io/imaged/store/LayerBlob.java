package io.imaged.store;

import io.imaged.oci.MediaTypes;

import io.imaged.digest.Digest;

/** A stored blob that holds a layer's tar, compressed as {@code mediaType} says. */
public record LayerBlob(Digest digest, String mediaType, long size) {

    public boolean compressed() {
        return !mediaType.equals(MediaTypes.DOCKER_LAYER_TAR) && !mediaType.equals(MediaTypes.OCI_LAYER_TAR);
    }
}
