package io.imaged.layer;

import io.imaged.digest.Digest;

/**
 * What one pass over a layer tar found.
 *
 * @param diffId    sha256 of the uncompressed tar stream
 * @param tarSize   bytes in the uncompressed tar stream
 * @param fileBytes bytes of the files in the layer (regular files once each, symlink targets), dockerd's layer size
 * @param entries   number of tar entries
 */
public record TarMeasurement(Digest diffId, long tarSize, long fileBytes, long entries) {
}
