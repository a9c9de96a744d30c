package io.imaged.image;

import io.imaged.digest.Digest;
import io.imaged.oci.Descriptor;
import io.imaged.oci.ManifestCodec;
import io.imaged.oci.MediaTypes;
import io.imaged.store.Layer;

import java.util.ArrayList;
import java.util.List;

/**
 * The OCI image manifest {@code docker save} writes for an image (its config, its layers as uncompressed tars named
 * by diff ID): the manifest an image made here (import, load, tag of a loaded image) is listed with in
 * {@code GET /images/json?manifests=1}, so the ID listed is the one its saved archive's {@code index.json} names.
 */
public final class SavedManifest {
    private SavedManifest() {
    }

    public static byte[] bytes(Digest configDigest, long configSize, List<Layer> layers) {
        List<Descriptor> ls = new ArrayList<>(layers.size());
        for (Layer l : layers) ls.add(new Descriptor(MediaTypes.OCI_LAYER_TAR, l.diffId(), l.tarSize()));
        return ManifestCodec.writeOciManifest(new Descriptor(MediaTypes.OCI_CONFIG, configDigest, configSize), ls);
    }
}
