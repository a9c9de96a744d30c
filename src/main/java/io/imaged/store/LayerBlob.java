package io.imaged.store;

import io.imaged.digest.Digest;

/** A stored blob that holds a layer's tar, compressed as {@code mediaType} says. */
public record LayerBlob(Digest digest, String mediaType, long size) {
    public static final String DOCKER_TAR = "application/vnd.docker.image.rootfs.diff.tar";
    public static final String DOCKER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public static final String OCI_TAR = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";

    public boolean compressed() {
        return !mediaType.equals(DOCKER_TAR) && !mediaType.equals(OCI_TAR);
    }
}
