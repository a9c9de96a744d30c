package io.imaged.layer;

import io.imaged.error.ClientGoneException;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarUtils;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The one tar validation of imaged: every tar it reads — an imported rootfs, a {@code docker load} archive, each
 * layer inside it, a pulled layer — goes through this reader, which checks what Go's archive/tar and dockerd's
 * extraction refuse, as the entries go by and without a second pass:
 * <ul>
 * <li>structure: a header whose checksum is wrong, a stream cut inside a header or a file's data, a header (PAX or
 * GNU long name data) larger than {@link #MAX_HEADER_BYTES} (Go: 1 MiB, "header field too long"; commons-compress
 * would buffer it whole);</li>
 * <li>names: a path that climbs above the root, a name longer than {@link #MAX_NAME} bytes;</li>
 * <li>the tree the entries build: the same path twice (dockerd's tar-split: "duplicates of file paths not
 * supported"), an entry below a symlink or a file of the same tar (a write through {@code l -> /etc}), a hard link
 * to a path the tar has not stored before.</li>
 * </ul>
 * commons-compress alone reads a bad checksum as a header and a cut header as the end of the archive. Whoever reads
 * the tar decides what else to refuse (an image archive also refuses absolute paths and devices). Messages are worded
 * per {@link Kind}: dockerd's for layers, "invalid archive: ..." for image archives.
 * <p>A little over 300 lines on purpose: the checks run in one pass over one stream and share its state (the paths
 * seen, the symlinks and files stored so far); spreading them over classes would spread that state too.
 */
public final class TarReader implements AutoCloseable {
    /** Go's archive/tar reads at most 1 MiB of PAX or GNU long-name data; the rest is room for padding and headers. */
    public static final long MAX_HEADER_BYTES = (1L << 20) + 20 * 1024;
    /** PATH_MAX: no extraction could create a longer path. */
    public static final int MAX_NAME = 4096;

    /** What the tar is, which decides how its problems are worded. */
    public enum Kind {
        /** A layer (import, load, pull): dockerd's words, as its extraction reports them. */
        LAYER {
            @Override
            String word(Problem p, String name, String other) {
                return switch (p) {
                    case TRUNCATED -> "Error processing tar file(exit status 1): unexpected EOF";
                    case BAD_HEADER -> "Error processing tar file(exit status 1): archive/tar: invalid tar header";
                    case HEADER_TOO_LARGE -> "Error processing tar file(exit status 1): archive/tar: header field too long";
                    case NAME_TOO_LONG -> "Error processing tar file(exit status 1): open /" + abbreviate(name) + ": file name too long";
                    case CLIMBS_OUT -> "invalid tar archive: path " + name + " climbs out of the layer";
                    case DUPLICATE -> "Error processing tar file(duplicates of file paths not supported): " + name;
                    case THROUGH_SYMLINK -> "Error processing tar file(exit status 1): open /" + name + ": would be written through symlink /" + other;
                    case BELOW_FILE -> "Error processing tar file(exit status 1): open /" + name + ": not a directory";
                    case LINK_TO_MISSING -> "Error processing tar file(exit status 1): link /" + other + " /" + name + ": no such file or directory";
                };
            }
        },
        /** An image archive ({@code docker load}). */
        ARCHIVE {
            @Override
            String word(Problem p, String name, String other) {
                return "invalid archive: " + switch (p) {
                    case TRUNCATED -> "unexpected EOF";
                    case BAD_HEADER -> "archive/tar: invalid tar header";
                    case HEADER_TOO_LARGE -> "tar header larger than " + MAX_HEADER_BYTES + " bytes";
                    case NAME_TOO_LONG -> "entry name longer than " + MAX_NAME + " bytes";
                    case CLIMBS_OUT -> "path " + name + " climbs out of the archive";
                    case DUPLICATE -> "duplicate entry " + name;
                    case THROUGH_SYMLINK -> name + " would be written through symlink " + other;
                    case BELOW_FILE -> name + " is below file " + other;
                    case LINK_TO_MISSING -> "hard link " + name + " to missing " + other;
                };
            }
        };

        abstract String word(Problem p, String name, String other);

        public InvalidArchiveException reject(Problem p, String name, String other, Throwable cause) {
            return new InvalidArchiveException(word(p, name, other), cause);
        }
    }

    /** What can be wrong with a tar, whatever it is. */
    public enum Problem {
        TRUNCATED, BAD_HEADER, HEADER_TOO_LARGE, NAME_TOO_LONG, CLIMBS_OUT, DUPLICATE, THROUGH_SYMLINK, BELOW_FILE, LINK_TO_MISSING
    }

    /** What a path of this tar is, as far as later entries care. */
    private enum Node {
        DIR, FILE, SYMLINK
    }

    private final Kind kind;
    private final HeaderBudget budget;
    private final CheckedTarStream tar;
    /** Every path seen so far (duplicates, parents, hard-link targets): one small entry per tar entry. */
    private final Map<String, Node> seen = new HashMap<>();
    private long entries;
    /**
     * Entry data is read (and so inflated and hashed) in blocks of this size: each read of a gzip layer is one call
     * into zlib, and 8 KiB calls cost about a fifth more inflate CPU than 64 KiB ones (1.22 s against 1.01 s for the
     * 566 MB of issue 11's image).
     */
    private static final int SKIP_BUFFER_BYTES = 64 * 1024;
    private byte[] skipBuffer;

    public TarReader(InputStream in, Kind kind) {
        this.kind = kind;
        this.budget = new HeaderBudget(in, kind);
        this.tar = new CheckedTarStream(budget, kind);
    }

    /** One checked entry: its header and its path, normalised ({@code ./a//b} is {@code a/b}; the root is ""). */
    public record Entry(TarArchiveEntry header, String path) {
    }

    /**
     * The next entry, checked; null at the end. Whatever the caller left unread of the previous entry's data is read
     * first (so that it is hashed, and not counted as header).
     */
    public Entry next() throws IOException {
        try {
            skipRest();
            budget.limit(MAX_HEADER_BYTES);
            TarArchiveEntry e;
            try {
                e = tar.getNextEntry();
            } finally {
                budget.unlimited();
            }
            if (e == null) return null;
            entries++;
            return new Entry(e, check(e));
        } catch (InvalidArchiveException e) {
            throw e;
        } catch (EOFException e) {
            throw kind.reject(Problem.TRUNCATED, "", "", e);
        } catch (IOException | IllegalArgumentException e) {
            if (ClientGoneException.in(e)) throw e;
            String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            throw kind.reject(m.contains("truncated") || m.contains("eof") ? Problem.TRUNCATED : Problem.BAD_HEADER, "", "", e);
        }
    }

    /** The current entry's data (until its end). */
    public InputStream data() {
        return new FilterInputStream(tar) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return super.read(b, off, len);
                } catch (EOFException e) {
                    throw kind.reject(Problem.TRUNCATED, "", "", e);
                } catch (IOException e) {
                    if (ClientGoneException.in(e)) throw e;
                    throw kind.reject(Problem.TRUNCATED, "", "", e);
                }
            }

            @Override
            public void close() {
                // the entry ends, the tar goes on
            }
        };
    }

    /** Entries read so far. */
    public long entries() {
        return entries;
    }

    private void skipRest() throws IOException {
        if (entries == 0) return; // no entry yet
        if (skipBuffer == null) skipBuffer = new byte[SKIP_BUFFER_BYTES];
        while (true) {
            if (tar.read(skipBuffer, 0, skipBuffer.length) < 0) return;
        }
    }

    /** Applies the rules every tar shares; returns the normalised path. */
    private String check(TarArchiveEntry e) {
        String raw = e.getName();
        if (raw.getBytes(StandardCharsets.UTF_8).length > MAX_NAME) throw kind.reject(Problem.NAME_TOO_LONG, raw, "", null);
        String path = normalise(raw, raw);
        if (path.isEmpty()) return path; // the root ("./"), which every tar may name
        for (int i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
            String parent = path.substring(0, i);
            Node n = seen.get(parent);
            if (n == Node.SYMLINK) throw kind.reject(Problem.THROUGH_SYMLINK, kind == Kind.LAYER ? path : raw, parent, null);
            if (n == Node.FILE) throw kind.reject(Problem.BELOW_FILE, kind == Kind.LAYER ? path : raw, parent, null);
        }
        if (seen.containsKey(path)) throw kind.reject(Problem.DUPLICATE, raw, "", null);
        if (e.isLink()) {
            String target = normalise(e.getLinkName(), e.getLinkName());
            Node n = seen.get(target);
            if (n == null || n == Node.DIR) throw kind.reject(Problem.LINK_TO_MISSING, kind == Kind.LAYER ? path : raw,
                    kind == Kind.LAYER ? target : e.getLinkName(), null);
        }
        seen.put(path, e.isDirectory() ? Node.DIR : e.isSymbolicLink() ? Node.SYMLINK : Node.FILE);
        return path;
    }

    /** Cleans {@code a/./b}, {@code a//b}, {@code a/../b}, a leading {@code /}; climbing above the root is refused. */
    public String normalise(String path, String what) {
        String p = path.replace('\\', '/');
        StringBuilder out = new StringBuilder();
        for (String part : p.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) {
                if (out.length() == 0) throw kind.reject(Problem.CLIMBS_OUT, what, "", null);
                out.setLength(Math.max(0, out.lastIndexOf("/")));
                continue;
            }
            if (out.length() > 0) out.append('/');
            out.append(part);
        }
        return out.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }

    /**
     * commons-compress's reader, made as strict as Go's about headers: a header record must carry a valid checksum,
     * and a record cut short is an unexpected end, not the end of the archive.
     */
    private static final class CheckedTarStream extends TarArchiveInputStream {
        private final Kind kind;
        /** The next record read is a header (set per entry; PAX and long-name headers come back through here). */
        private boolean header;

        CheckedTarStream(InputStream in, Kind kind) {
            super(in);
            this.kind = kind;
        }

        @Override
        public TarArchiveEntry getNextEntry() throws IOException {
            header = true;
            return super.getNextEntry();
        }

        @Override
        protected byte[] readRecord() throws IOException {
            long before = getBytesRead();
            byte[] record = super.readRecord();
            if (record == null) {
                if (getBytesRead() > before) throw kind.reject(Problem.TRUNCATED, "", "", null);
                return null;
            }
            if (header) {
                header = false; // an old-GNU sparse extension record that may follow has no checksum
                if (!isEOFRecord(record) && !TarUtils.verifyCheckSum(record)) throw kind.reject(Problem.BAD_HEADER, "", "", null);
            }
            return record;
        }
    }

    /** Counts the bytes read while a limit is set and stops a read that would go past it. */
    private static final class HeaderBudget extends BulkFilterInputStream {
        private final Kind kind;
        private long left = Long.MAX_VALUE;

        HeaderBudget(InputStream in, Kind kind) {
            super(in);
            this.kind = kind;
        }

        void limit(long bytes) {
            left = bytes;
        }

        void unlimited() {
            left = Long.MAX_VALUE;
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

        @Override
        public boolean markSupported() {
            return false;
        }

        private InvalidArchiveException tooBig() {
            return kind.reject(Problem.HEADER_TOO_LARGE, "", "", null);
        }
    }
}
