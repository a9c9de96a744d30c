package io.imaged.testsupport;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds tars entry by entry, in the given order and with names exactly as given (absolute paths, {@code ..}
 * and duplicates included), for crafting image archives, good and hostile.
 */
public final class TarBuilder {
    private record Entry(String name, byte type, String link, byte[] data) {
    }

    private final List<Entry> entries = new ArrayList<>();

    public TarBuilder file(String name, byte[] data) {
        entries.add(new Entry(name, TarConstants.LF_NORMAL, null, data));
        return this;
    }

    public TarBuilder file(String name, String text) {
        return file(name, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A PAX extended header ('x') setting {@code key=value} for the next entry, written as is. */
    public TarBuilder pax(String key, String value) {
        String record = " " + key + "=" + value + "\n";
        int len = record.getBytes(StandardCharsets.UTF_8).length;
        int total = len + Integer.toString(len).length();
        if (Integer.toString(total).length() != Integer.toString(len).length()) total++;
        entries.add(new Entry("././@PaxHeader", TarConstants.LF_PAX_EXTENDED_HEADER_LC, null,
                (total + record).getBytes(StandardCharsets.UTF_8)));
        return this;
    }

    public TarBuilder dir(String name) {
        entries.add(new Entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, null, new byte[0]));
        return this;
    }

    public TarBuilder symlink(String name, String target) {
        entries.add(new Entry(name, TarConstants.LF_SYMLINK, target, new byte[0]));
        return this;
    }

    public TarBuilder hardlink(String name, String target) {
        entries.add(new Entry(name, TarConstants.LF_LINK, target, new byte[0]));
        return this;
    }

    public byte[] build() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                for (Entry e : entries) {
                    TarArchiveEntry te = new TarArchiveEntry(e.name(), e.type(), true);
                    if (e.link() != null) te.setLinkName(e.link());
                    te.setModTime(0);
                    te.setMode(e.type() == TarConstants.LF_DIR ? 040755 : e.type() == TarConstants.LF_SYMLINK ? 0120777 : 0100644);
                    boolean hasData = e.type() == TarConstants.LF_NORMAL || e.type() == TarConstants.LF_PAX_EXTENDED_HEADER_LC;
                    if (hasData) te.setSize(e.data().length);
                    tar.putArchiveEntry(te);
                    if (hasData) tar.write(e.data());
                    tar.closeArchiveEntry();
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
