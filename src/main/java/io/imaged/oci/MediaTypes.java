package io.imaged.oci;

import java.util.List;
import java.util.Set;

/** Every media type imaged reads or writes: manifests, indexes, configs and layers, Docker's and OCI's. */
public final class MediaTypes {
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
    public static final String DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";

    public static final String DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";
    public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public static final String DOCKER_LAYER_FOREIGN_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
    public static final String OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
    private static final Set<String> LAYERS = Set.of(DOCKER_LAYER_TAR, DOCKER_LAYER_GZIP, DOCKER_LAYER_FOREIGN_GZIP,
            OCI_LAYER_TAR, OCI_LAYER_GZIP, OCI_LAYER_ZSTD,
            "application/vnd.oci.image.layer.nondistributable.v1.tar",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd");

    public static final List<String> MANIFESTS = List.of(OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST);

    /** Everything a pull reads, plus schema1 so that it can be recognised and refused with a clear message. */
    public static final String ACCEPT = String.join(", ", OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST,
            DOCKER_SCHEMA1_SIGNED + ";q=0.5", DOCKER_SCHEMA1 + ";q=0.5");

    private MediaTypes() {
    }

    public static boolean isIndex(String mediaType) {
        return OCI_INDEX.equals(mediaType) || DOCKER_LIST.equals(mediaType);
    }

    public static boolean isManifest(String mediaType) {
        return OCI_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
    }

    public static boolean isSchema1(String mediaType) {
        return DOCKER_SCHEMA1.equals(mediaType) || DOCKER_SCHEMA1_SIGNED.equals(mediaType);
    }

    /** A layer blob type imaged can unpack (tar, gzip or zstd; Docker's, OCI's, foreign and non-distributable). */
    public static boolean isLayer(String mediaType) {
        return LAYERS.contains(mediaType);
    }

    /** The media type without parameters ({@code ; charset=utf-8}). */
    public static String base(String contentType) {
        if (contentType == null) return "";
        int i = contentType.indexOf(';');
        return (i < 0 ? contentType : contentType.substring(0, i)).trim();
    }
}
