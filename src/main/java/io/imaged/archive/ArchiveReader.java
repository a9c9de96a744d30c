package io.imaged.archive;

import io.imaged.layer.Decompression;
import io.imaged.layer.InvalidArchiveException;
import io.imaged.layer.TarReader;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Unpacks an image archive (plain or gzip/bzip2/xz/zstd) into a private temp directory, checking it as it
 * goes. Files are stored under sequence numbers, never under the names the archive gives them, so no entry can
 * write outside the directory whatever its name; names are still checked and a hostile one rejects the whole
 * archive. {@link TarReader} (the tar validation every tar gets, layers too) refuses broken headers, huge headers,
 * paths that climb out, over-long names, duplicate entries, writes through a symlink or below a file and hard links
 * to nothing; on top of that an image archive may not hold absolute paths, links whose targets leave the archive,
 * device nodes or more than {@link #MAX_ENTRIES} entries.
 */
public final class ArchiveReader {
    static final int MAX_ENTRIES = 200_000;
    private static final int COPY_BUFFER = 1 << 18;
    private static final int MAX_LINK_HOPS = 16;

    private ArchiveReader() {
    }

    /** An unpacked archive: regular files by normalised path, and symlinks resolved on lookup. */
    public static final class Unpacked implements AutoCloseable {
        private final Path dir;
        private final Map<String, Path> files = new HashMap<>();
        private final Map<String, String> symlinks = new HashMap<>();

        Unpacked(Path dir) {
            this.dir = dir;
        }

        /** The file at {@code name} (following in-archive symlinks), or null if the archive has none. */
        public Path file(String name) {
            String p = normalise(name, "");
            for (int hops = 0; hops <= MAX_LINK_HOPS; hops++) {
                Path f = files.get(p);
                if (f != null) return f;
                String target = symlinks.get(p);
                if (target == null) return null;
                p = resolveLink(p, target);
            }
            throw new InvalidArchiveException("invalid archive: too many levels of symbolic links at " + name);
        }

        /** Like {@link #file} but a missing entry is a 400 naming it. */
        public Path require(String name) {
            Path f = file(name);
            if (f == null) throw new InvalidArchiveException("invalid archive: " + name + " is referenced but not in the archive");
            return f;
        }

        public boolean has(String name) {
            return file(name) != null;
        }

        /** The paths of the archive's files and symlinks (normalised). */
        public java.util.Set<String> names() {
            java.util.Set<String> all = new java.util.TreeSet<>(files.keySet());
            all.addAll(symlinks.keySet());
            return all;
        }

        @Override
        public void close() throws IOException {
            io.imaged.store.AtomicFiles.deleteTree(dir);
        }
    }

    public static Unpacked unpack(InputStream body, Path tempRoot) throws IOException {
        return unpack(body, tempRoot, (file, size) -> { });
    }

    /** Unpacks, calling {@code written} with each regular file as soon as it is complete. */
    public static Unpacked unpack(InputStream body, Path tempRoot, java.util.function.ObjLongConsumer<Path> written) throws IOException {
        io.imaged.store.PrivateFiles.createDirectories(tempRoot);
        Unpacked u = new Unpacked(Files.createTempDirectory(tempRoot, "load-"));
        try {
            read(Decompression.detect(body), u, written);
            return u;
        } catch (RuntimeException | IOException e) {
            u.close();
            throw e;
        }
    }

    private static void read(InputStream in, Unpacked u, java.util.function.ObjLongConsumer<Path> written) throws IOException {
        int seq = 0;
        byte[] buffer = new byte[COPY_BUFFER];
        // the shared checks (structure, header sizes, names, duplicates, writes through symlinks, hard links to
        // nothing) are TarReader's, the same a layer gets; what is particular to an image archive is checked here
        try (TarReader tar = new TarReader(in, TarReader.Kind.ARCHIVE)) {
            TarReader.Entry entry;
            while ((entry = tar.next()) != null) {
                TarArchiveEntry e = entry.header();
                if (++seq > MAX_ENTRIES) throw new InvalidArchiveException("invalid archive: more than " + MAX_ENTRIES + " entries");
                String raw = e.getName();
                if (raw.startsWith("/")) throw new InvalidArchiveException("invalid archive: absolute path " + raw);
                String name = entry.path();
                if (name.isEmpty() || e.isDirectory()) continue; // the archive root itself ("./"), directories
                if (e.isSymbolicLink()) {
                    String target = e.getLinkName();
                    if (target.startsWith("/")) throw new InvalidArchiveException("invalid archive: symlink " + raw + " points to absolute path " + target);
                    resolveLink(name, target); // throws when it leaves the archive
                    u.symlinks.put(name, target);
                } else if (e.isLink()) {
                    String target = normalise(e.getLinkName(), e.getLinkName());
                    Path f = u.files.get(target);
                    if (f == null) throw new InvalidArchiveException("invalid archive: hard link " + raw + " to missing " + e.getLinkName());
                    u.files.put(name, f);
                } else if (e.isFile()) {
                    Path f = u.dir.resolve(Integer.toString(seq));
                    // private: a layer file is moved into the blob store as it is (LoadService), keeping this mode
                    try (OutputStream out = io.imaged.store.PrivateFiles.newOutputStream(f)) {
                        long n = copy(tar.data(), out, buffer);
                        if (n != e.getSize()) throw new InvalidArchiveException("invalid archive: truncated entry " + raw);
                    }
                    u.files.put(name, f);
                    written.accept(f, e.getSize());
                } else {
                    throw new InvalidArchiveException("invalid archive: unsupported entry type for " + raw);
                }
            }
        }
        if (seq == 0) throw new InvalidArchiveException("invalid archive: empty input, no manifest.json or index.json");
    }

    /** Layer files are hundreds of MB: copied in large blocks (InputStream.transferTo uses 8 KiB on JDK 17). */
    private static long copy(InputStream in, OutputStream out, byte[] buffer) throws IOException {
        long total = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            out.write(buffer, 0, n);
            total += n;
        }
        return total;
    }

    /** Where a symlink at {@code linkPath} with a relative {@code target} points, inside the archive. */
    static String resolveLink(String linkPath, String target) {
        int slash = linkPath.lastIndexOf('/');
        String base = slash < 0 ? "" : linkPath.substring(0, slash);
        if (target.startsWith("/")) throw new InvalidArchiveException("invalid archive: symlink " + linkPath + " points out of the archive");
        return normalise(base.isEmpty() ? target : base + "/" + target, linkPath + " -> " + target);
    }

    /** Cleans {@code a/./b}, {@code a//b}, {@code a/../b}; climbing above the root is a 400. */
    static String normalise(String path, String what) {
        String p = path.replace('\\', '/');
        StringBuilder out = new StringBuilder();
        for (String part : p.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) {
                if (out.length() == 0) throw new InvalidArchiveException("invalid archive: path " + what + " climbs out of the archive");
                int i = out.lastIndexOf("/");
                out.setLength(Math.max(0, i));
                continue;
            }
            if (out.length() > 0) out.append('/');
            out.append(part);
        }
        return out.toString();
    }
}
