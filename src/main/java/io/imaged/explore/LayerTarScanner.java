package io.imaged.explore;

import io.imaged.layer.TarReader;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/** Reads a layer's (uncompressed) tar into {@link LayerEntry}s, telling whiteouts apart as overlay does. */
public final class LayerTarScanner {
    static final String WHITEOUT_PREFIX = ".wh.";
    static final String OPAQUE_MARKER = ".wh..wh..opq";

    private LayerTarScanner() {
    }

    public static List<LayerEntry> scan(InputStream tar) throws IOException {
        List<LayerEntry> out = new ArrayList<>();
        try (TarReader reader = new TarReader(tar, TarReader.Kind.LAYER)) {
            for (TarReader.Entry e = reader.next(); e != null; e = reader.next()) {
                LayerEntry entry = entry(e.header(), e.path());
                if (entry != null) out.add(entry);
            }
        }
        return out;
    }

    /** The entry for one tar header at a normalised path; null for the root and aufs' own metadata. */
    static LayerEntry entry(TarArchiveEntry h, String path) {
        if (path.isEmpty()) return null;
        int slash = path.lastIndexOf('/');
        String dir = slash < 0 ? "" : path.substring(0, slash);
        String base = path.substring(slash + 1);
        int mode = h.getMode() & 07777;
        if (base.equals(OPAQUE_MARKER)) return new LayerEntry(dir, LayerEntry.OPAQUE, 0, mode, "");
        if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return null; // .wh..wh.plnk and the like: aufs metadata
        if (base.startsWith(WHITEOUT_PREFIX)) {
            String deleted = base.substring(WHITEOUT_PREFIX.length());
            return new LayerEntry(dir.isEmpty() ? deleted : dir + "/" + deleted, LayerEntry.WHITEOUT, 0, mode, "");
        }
        String type;
        if (h.isDirectory()) type = LayerEntry.DIR;
        else if (h.isSymbolicLink()) type = "symlink";
        else if (h.isLink()) type = "hardlink";
        else if (h.isCharacterDevice()) type = "char";
        else if (h.isBlockDevice()) type = "block";
        else if (h.isFIFO()) type = "fifo";
        else if (h.isFile()) type = "file";
        else type = "other";
        long size = type.equals("file") ? h.getSize() : 0;
        String link = h.isSymbolicLink() || h.isLink() ? h.getLinkName() : "";
        return new LayerEntry(path, type, size, mode, link);
    }
}
