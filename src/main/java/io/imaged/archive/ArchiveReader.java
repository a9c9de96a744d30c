package io.imaged.archive;

import io.imaged.layer.Decompression;
import io.imaged.layer.InvalidArchiveException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Unpacks an image archive (plain or gzip/bzip2/xz/zstd) into a private temp directory, checking it as it
 * goes. Files are stored under sequence numbers, never under the names the archive gives them, so no entry can
 * write outside the directory whatever its name; names are still checked and a hostile one rejects the whole
 * archive: paths that climb out or are absolute, links whose targets leave the archive, writes through a
 * symlink, duplicate entries, device nodes, over-long names and too many entries.
 */
public final class ArchiveReader {
    static final int MAX_ENTRIES = 200_000;
    static final int MAX_NAME = 4096;
    private static final int MAX_LINK_HOPS = 16;
    /**
     * Most bytes one step to the next entry may read: padding, header blocks and the PAX / GNU long-name data that
     * commons-compress holds in memory. Without a cap a huge "header" would be buffered whole.
     */
    static final long MAX_HEADER_BYTES = (1L << 20) + 20 * 1024;

    private ArchiveReader() {
    }

    /** An unpacked archive: regular files by normalised path, and symlinks resolved on lookup. */
    public static final class Unpacked implements AutoCloseable {
        private final Path dir;
        private final Map<String, Path> files = new HashMap<>();
        private final Map<String, String> symlinks = new HashMap<>();
        private final Set<String> dirs = new HashSet<>();

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

        @Override
        public void close() throws IOException {
            io.imaged.store.AtomicFiles.deleteTree(dir);
        }
    }

    public static Unpacked unpack(InputStream body, Path tempRoot) throws IOException {
        io.imaged.store.PrivateFiles.createDirectories(tempRoot);
        Unpacked u = new Unpacked(Files.createTempDirectory(tempRoot, "load-"));
        try {
            read(Decompression.detect(body), u);
            return u;
        } catch (RuntimeException | IOException e) {
            u.close();
            throw e;
        }
    }

    private static void read(InputStream in, Unpacked u) throws IOException {
        int seq = 0;
        HeaderBudget budget = new HeaderBudget(in);
        try (TarArchiveInputStream tar = new TarArchiveInputStream(budget)) {
            while (true) {
                // every entry's data has been read by now, so all getNextEntry reads is header and metadata
                budget.limit(MAX_HEADER_BYTES);
                TarArchiveEntry e = tar.getNextEntry();
                budget.unlimited();
                if (e == null) break;
                if (++seq > MAX_ENTRIES) throw new InvalidArchiveException("invalid archive: more than " + MAX_ENTRIES + " entries");
                String raw = e.getName();
                if (raw.length() > MAX_NAME) throw new InvalidArchiveException("invalid archive: entry name longer than " + MAX_NAME + " bytes");
                if (raw.startsWith("/")) throw new InvalidArchiveException("invalid archive: absolute path " + raw);
                String name = normalise(raw, raw);
                if (name.isEmpty()) continue; // the archive root itself ("./")
                checkParents(u, name, raw);
                if (e.isDirectory()) {
                    if (u.files.containsKey(name) || u.symlinks.containsKey(name)) throw duplicate(raw);
                    u.dirs.add(name);
                    continue;
                }
                if (u.files.containsKey(name) || u.symlinks.containsKey(name) || u.dirs.contains(name)) throw duplicate(raw);
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
                    try (OutputStream out = Files.newOutputStream(f)) {
                        long n = tar.transferTo(out);
                        if (n != e.getSize()) throw new InvalidArchiveException("invalid archive: truncated entry " + raw);
                    }
                    u.files.put(name, f);
                } else {
                    throw new InvalidArchiveException("invalid archive: unsupported entry type for " + raw);
                }
            }
        } catch (InvalidArchiveException e) {
            throw e;
        } catch (EOFException e) {
            throw new InvalidArchiveException("invalid archive: unexpected EOF", e);
        } catch (IOException | IllegalArgumentException e) {
            if (isClientAbort(e)) throw e;
            throw new InvalidArchiveException("invalid archive: " + e.getMessage(), e);
        }
        if (seq == 0) throw new InvalidArchiveException("invalid archive: empty input, no manifest.json or index.json");
    }

    /** Counts the bytes read while a limit is set and stops a read that would go past it. */
    private static final class HeaderBudget extends java.io.FilterInputStream {
        private long left = Long.MAX_VALUE;

        HeaderBudget(InputStream in) {
            super(in);
        }

        void limit(long bytes) {
            left = bytes;
        }

        void unlimited() {
            left = Long.MAX_VALUE;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) throw tooBig();
            int b = in.read();
            if (b >= 0 && left != Long.MAX_VALUE) left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) throw tooBig();
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0 && left != Long.MAX_VALUE) left -= n;
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            if (left <= 0) throw tooBig();
            long s = in.skip(Math.min(n, left));
            if (s > 0 && left != Long.MAX_VALUE) left -= s;
            return s;
        }

        private static InvalidArchiveException tooBig() {
            return new InvalidArchiveException("invalid archive: tar header larger than " + MAX_HEADER_BYTES + " bytes");
        }
    }

    private static boolean isClientAbort(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getClass().getSimpleName().equals("ClientAbortException")) return true;
        }
        return false;
    }

    /** No entry may be written below a symlink or a regular file. */
    private static void checkParents(Unpacked u, String name, String raw) {
        for (int i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
            String parent = name.substring(0, i);
            if (u.symlinks.containsKey(parent)) {
                throw new InvalidArchiveException("invalid archive: " + raw + " would be written through symlink " + parent);
            }
            if (u.files.containsKey(parent)) throw new InvalidArchiveException("invalid archive: " + raw + " is below file " + parent);
        }
    }

    private static InvalidArchiveException duplicate(String raw) {
        return new InvalidArchiveException("invalid archive: duplicate entry " + raw);
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
