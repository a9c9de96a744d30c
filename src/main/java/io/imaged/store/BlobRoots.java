package io.imaged.store;

import java.util.Set;

/** Something outside the layer store that keeps blobs alive (manifests of pulled images, partial pulls). */
public interface BlobRoots {
    Set<Digest> blobRoots();
}
