package io.imaged.disk;

import java.util.List;

/**
 * What the store holds on disk, for the dashboard's disk view ({@code GET /imaged/disk}, docs/dashboard.md).
 *
 * @param images             images in the store
 * @param danglingImages     images without a tag
 * @param layers             layers stored, each counted once
 * @param layersBytes        their bytes as image sizes count them (the {@code LayersSize} of {@code /system/df})
 * @param sharedLayers       layers that more than one image uses
 * @param sharedBytes        their bytes
 * @param blobs              blobs stored (compressed layers, manifests, configs, anything else)
 * @param blobsBytes         their bytes on disk
 * @param unreferencedBlobs  blobs nothing uses: the next garbage collection removes them
 * @param unreferencedBytes  their bytes
 * @param pruneDanglingFrees layer bytes that only the images {@code docker image prune} removes use (untagged ones that
 *                           no other image builds on): what it frees
 * @param pruneUnusedFrees   layer bytes of every image (imaged runs no containers: {@code docker image prune -a})
 * @param topLayers          the largest layers, largest first
 * @param topBlobs           the largest blobs, largest first
 */
public record DiskReport(int images, int danglingImages, int layers, long layersBytes, int sharedLayers, long sharedBytes,
                         int blobs, long blobsBytes, int unreferencedBlobs, long unreferencedBytes,
                         long pruneDanglingFrees, long pruneUnusedFrees, List<LayerUse> topLayers, List<BlobUse> topBlobs) {

    /**
     * One layer.
     *
     * @param chainId  its chain ID (the layer with all below it)
     * @param diffId   the digest of its uncompressed tar
     * @param size     bytes of its files
     * @param images   how many images use it
     * @param imageIds up to five of them
     * @param blobSize bytes of its stored blob (compressed, as pulled), 0 when none is stored
     */
    public record LayerUse(String chainId, String diffId, long size, int images, List<String> imageIds, long blobSize) {
    }

    /**
     * One blob.
     *
     * @param digest     its digest
     * @param kind       {@code layer}, {@code config}, {@code manifest} (kept for pulls) or {@code unreferenced}
     * @param mediaType  a layer blob's media type, empty otherwise
     * @param size       bytes on disk
     * @param referenced whether something stored uses it (false: garbage collection removes it)
     */
    public record BlobUse(String digest, String kind, String mediaType, long size, boolean referenced) {
    }
}
