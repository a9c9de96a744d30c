package io.imaged.testsupport;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Small rootfs tars built in memory for tests. */
public final class Tars {
    private Tars() {
    }

    /** A tar with the given files (path → content); directories are implied. */
    public static byte[] of(Map<String, String> files) {
        Map<String, byte[]> bytes = new java.util.TreeMap<>();
        files.forEach((k, v) -> bytes.put(k, v.getBytes(StandardCharsets.UTF_8)));
        return ofBytes(bytes);
    }

    /** A tar with the given files (path → bytes). */
    public static byte[] ofBytes(Map<String, byte[]> files) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                for (var e : new java.util.TreeMap<>(files).entrySet()) {
                    byte[] content = e.getValue();
                    TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                    entry.setSize(content.length);
                    entry.setModTime(0);
                    tar.putArchiveEntry(entry);
                    tar.write(content);
                    tar.closeArchiveEntry();
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
