package io.imaged.store;

import io.imaged.digest.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Blobs by digest under {@code blobs/sha256/<hex>}, written through {@link BlobWriter}s in
 * {@code blobs/tmp} so that a blob appears only complete and verified.
 */
public class BlobStore {
    private static final Pattern HEX64 = Pattern.compile("[a-f0-9]{64}");
    private final Path dir;
    private final Path tmp;

    public BlobStore(Path root) throws IOException {
        this.dir = root.resolve("sha256");
        this.tmp = root.resolve("tmp");
        PrivateFiles.createDirectories(dir);
        PrivateFiles.createDirectories(tmp);
    }

    public Path path(Digest d) {
        return dir.resolve(d.hex());
    }

    public boolean exists(Digest d) {
        return Files.isRegularFile(path(d));
    }

    public long size(Digest d) throws IOException {
        return Files.size(path(d));
    }

    /**
     * A small blob's bytes (a manifest, a config): null when it is not stored, larger than {@code maxBytes}, or no
     * longer matches its digest.
     */
    public byte[] readVerified(Digest d, long maxBytes) throws IOException {
        if (!exists(d) || size(d) > maxBytes) return null;
        byte[] bytes;
        try (InputStream in = open(d)) {
            bytes = in.readNBytes((int) maxBytes + 1);
        }
        return bytes.length <= maxBytes && Digest.sha256(bytes).equals(d) ? bytes : null;
    }

    public InputStream open(Digest d) throws IOException {
        return Files.newInputStream(path(d));
    }

    public Path tempDir() {
        return tmp;
    }

    /** Starts writing a new blob; commit it with {@link BlobWriter#commit}. */
    public BlobWriter newWriter() throws IOException {
        return new BlobWriter(Files.createTempFile(tmp, "ingest-", ""));
    }

    /** Copies a stream into the store, verifying it against {@code expected} when given. */
    public Digest put(InputStream in, Digest expected) throws IOException {
        try (BlobWriter w = newWriter()) {
            in.transferTo(w.stream());
            return w.commit(expected);
        }
    }

    public Digest put(byte[] bytes) throws IOException {
        Digest d = Digest.sha256(bytes);
        if (!exists(d)) AtomicFiles.write(path(d), bytes);
        return d;
    }

    /**
     * Moves a file whose content the caller has already verified to be {@code digest} into the store (same file
     * system; used for resumable downloads kept outside {@code tmp}). The file is synced first.
     */
    public void adopt(Path verified, Digest digest) throws IOException {
        Path target = path(digest);
        if (Files.exists(target)) {
            Files.deleteIfExists(verified);
            return;
        }
        AtomicFiles.fsync(verified);
        AtomicFiles.moveIntoPlace(verified, target);
    }

    public void delete(Digest d) throws IOException {
        Files.deleteIfExists(path(d));
    }

    /**
     * Every stored blob. Other names in the directory are the temp files of writes in progress ({@link AtomicFiles}
     * writes next to its target): they are left alone here and only cleaned at startup ({@link #cleanTemp}); a
     * collection that deleted them broke the write (a pull failed with "…/.tmp-&lt;hex&gt; -&gt; …").
     */
    public void forEach(Consumer<Digest> each) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                if (HEX64.matcher(n).matches()) each.accept(new Digest("sha256", n));
            }
        }
    }

    /** Removes every blob not in {@code keep}; returns bytes freed. */
    public long retainOnly(Set<Digest> keep) throws IOException {
        long[] freed = {0};
        forEach(d -> {
            if (!keep.contains(d)) {
                try {
                    freed[0] += Files.size(path(d));
                    delete(d);
                } catch (IOException ignored) {
                    // gone already
                }
            }
        });
        return freed[0];
    }

    /** Removes temp files (interrupted writes) that are not listed in {@code live}. */
    public void cleanTemp(Set<Path> live) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(tmp)) {
            for (Path p : s) {
                if (!live.contains(p)) AtomicFiles.deleteTree(p);
            }
        }
        // and what an interrupted write left next to the blobs (only at startup: no write is running then)
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (!HEX64.matcher(p.getFileName().toString()).matches() && !live.contains(p)) AtomicFiles.deleteTree(p);
            }
        }
    }

    /** A blob being written: hashes and counts while the bytes go to disk. */
    public final class BlobWriter implements AutoCloseable {
        private final Path file;
        private final FileChannel channel;
        private final MessageDigest sha = Digest.newSha256();
        private final CountingOutputStream counting;
        private final OutputStream stream;
        private boolean done;

        private BlobWriter(Path file) throws IOException {
            this.file = file;
            this.channel = FileChannel.open(file, StandardOpenOption.WRITE);
            this.counting = new CountingOutputStream(new java.io.BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16));
            this.stream = new DigestOutputStream(counting, sha);
        }

        public OutputStream stream() {
            return stream;
        }

        public long size() {
            return counting.count();
        }

        /** Syncs, verifies against {@code expected} (when not null) and moves the blob into place. */
        public Digest commit(Digest expected) throws IOException {
            stream.flush();
            channel.force(true);
            channel.close();
            Digest actual = Digest.fromHash(sha.digest());
            if (expected != null && !expected.equals(actual)) {
                throw new DigestMismatchException(expected, actual);
            }
            Path target = path(actual);
            if (Files.exists(target)) {
                Files.deleteIfExists(file);
            } else {
                AtomicFiles.moveIntoPlace(file, target);
            }
            done = true;
            return actual;
        }

        @Override
        public void close() throws IOException {
            if (!done) {
                try {
                    channel.close();
                } finally {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    public static final class DigestMismatchException extends IOException {
        public DigestMismatchException(Digest expected, Digest actual) {
            super("digest mismatch: expected " + expected + ", got " + actual);
        }
    }
}
