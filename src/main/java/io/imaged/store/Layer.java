package io.imaged.store;

import io.imaged.digest.Digest;

import java.util.ArrayList;
import java.util.List;

/**
 * One layer, stored once by chain ID and shared by every image that has it.
 *
 * @param size    bytes of the files in the layer, as dockerd reports an image's Size
 * @param tarSize bytes of the uncompressed tar stream
 * @param blobs   the stored blobs holding this layer's tar: as pulled (compressed) and/or uncompressed
 */
public record Layer(Digest chainId, Digest diffId, Digest parent, long size, long tarSize, List<LayerBlob> blobs) {
    public Layer {
        blobs = List.copyOf(blobs);
    }

    public static Digest chainId(Digest parentChain, Digest diffId) {
        return parentChain == null ? diffId : Digest.sha256(parentChain + " " + diffId);
    }

    public Layer withBlob(LayerBlob blob) {
        if (blobs.stream().anyMatch(b -> b.digest().equals(blob.digest()))) return this;
        List<LayerBlob> more = new ArrayList<>(blobs);
        more.add(blob);
        return new Layer(chainId, diffId, parent, size, tarSize, more);
    }

    /** The blob holding the plain tar, if one is stored. */
    public LayerBlob uncompressedBlob() {
        return blobs.stream().filter(b -> b.digest().equals(diffId)).findFirst().orElse(null);
    }
}
