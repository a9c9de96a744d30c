package io.imaged.explore;

/**
 * An entry as read from a layer's tar, whiteouts already told apart.
 *
 * @param path the path it names (for a whiteout, the path it deletes; for an opaque marker, its directory)
 * @param type as {@link LayerFile#type()}
 */
public record LayerEntry(String path, String type, long size, int mode, String linkTarget) {
    public static final String WHITEOUT = "whiteout";
    public static final String OPAQUE = "opaque";
    public static final String DIR = "dir";

    boolean deletes() {
        return type.equals(WHITEOUT) || type.equals(OPAQUE);
    }
}
