package io.imaged.explore;

/**
 * What one layer of an image does, counted over all its entries.
 *
 * @param index        the layer's position in the image (0 is the base)
 * @param diffId       the digest of its uncompressed tar
 * @param size         bytes of its files, as the image's Size counts them
 * @param files        entries in the layer (whiteouts included)
 * @param added        entries at paths no lower layer has
 * @param changed      entries that replace a lower layer's entry at the same path
 * @param deleted      whiteouts and opaque directories
 * @param removedBytes bytes of lower files this layer's whiteouts hide
 * @param wastedBytes  bytes of this layer's files that a later layer overwrites or deletes
 */
public record LayerSummary(int index, String diffId, long size, int files, int added, int changed, int deleted,
                           long removedBytes, long wastedBytes) {
}
