package io.imaged.image;

import io.imaged.digest.Digest;
import io.imaged.oci.Descriptor;
import io.imaged.oci.ManifestCodec;
import io.imaged.oci.MediaTypes;
import io.imaged.store.Layer;
import io.imaged.store.LayerBlob;

import java.util.ArrayList;
import java.util.List;

/**
 * The OCI image manifest {@code docker save} writes for an image: its config and, per layer, the blob the archive
 * carries ({@link #blobOf}). It is also the manifest an image made here (import, load, tag of a loaded image) is
 * listed with in {@code GET /images/json?manifests=1}, so the ID listed is the one its saved archive's
 * {@code index.json} names.
 */
public final class SavedManifest {
    private SavedManifest() {
    }

    public static byte[] bytes(Digest configDigest, long configSize, List<Layer> layers) {
        List<Descriptor> ls = new ArrayList<>(layers.size());
        for (Layer l : layers) ls.add(blobOf(l));
        return ManifestCodec.writeOciManifest(new Descriptor(MediaTypes.OCI_CONFIG, configDigest, configSize), ls);
    }

    /**
     * The blob a saved archive carries for a layer: its gzip blob as pulled or loaded when it has one — copied as
     * stored, as Docker's containerd image store saves; every loader (dockerd's old and new, podman, skopeo)
     * reads compressed layers and checks the diff ID after inflating — else the plain tar named by its diff ID
     * (a layer stored uncompressed, or compressed otherwise, which the writer inflates on the way).
     */
    public static Descriptor blobOf(Layer l) {
        for (LayerBlob b : l.blobs()) {
            if (b.gzip()) return new Descriptor(MediaTypes.OCI_LAYER_GZIP, b.digest(), b.size());
        }
        return new Descriptor(MediaTypes.OCI_LAYER_TAR, l.diffId(), l.tarSize());
    }
}
