package io.imaged.explore;

/**
 * One entry of a layer as the layer explorer shows it.
 *
 * @param path         the path in the image's file system, without a leading slash; for a whiteout, the path it deletes
 * @param type         {@code file}, {@code dir}, {@code symlink}, {@code hardlink}, {@code char}, {@code block},
 *                     {@code fifo}, {@code whiteout} (a {@code .wh.} entry) or {@code opaque} (a {@code .wh..wh..opq})
 * @param size         the entry's own bytes (0 for all but regular files)
 * @param mode         permission bits (e.g. 0755)
 * @param linkTarget   what a symlink or hard link points at, else empty
 * @param change       what the entry does to the layers below it
 * @param removedBytes for a whiteout or opaque directory: the bytes of the lower files it hides, else 0
 * @param superseded   a later layer of the image overwrites or deletes this entry: its bytes are wasted
 */
public record LayerFile(String path, String type, long size, int mode, String linkTarget, Change change,
                        long removedBytes, boolean superseded) {

    /** What an entry does to the file system the layers below it built. */
    public enum Change { ADDED, CHANGED, DELETED }
}
