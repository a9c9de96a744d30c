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
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * {@link BlobStore} on the file system: blobs by digest under {@code blobs/sha256/<hex>}, written through
 * {@link BlobWriter}s in {@code blobs/tmp} (synced, then renamed into place) so that a blob appears only complete
 * and verified.
 */
public class FsBlobStore implements BlobStore {
    private static final Pattern HEX64 = Pattern.compile("[a-f0-9]{64}");
    private final Path dir;
    private final Path tmp;
    /**
     * The size of every stored blob by hex digest, measured once at the first {@link #usage} (not at startup: only a
     * metrics scrape wants it) and kept as blobs appear and go, so later calls read no disk. Keyed by digest (not
     * summed in place) so that two writers storing the same blob at once, or a delete of a blob that is already gone,
     * count once.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Long> sizes = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong totalBytes = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean measured;

    public FsBlobStore(Path root) throws IOException {
        this.dir = root.resolve("sha256");
        this.tmp = root.resolve("tmp");
        PrivateFiles.createDirectories(dir);
        PrivateFiles.createDirectories(tmp);
    }

    private void stored(String hex, long size) {
        Long before = sizes.put(hex, size);
        totalBytes.addAndGet(size - (before == null ? 0 : before));
    }

    private void removed(String hex) {
        Long before = sizes.remove(hex);
        if (before != null) totalBytes.addAndGet(-before);
    }

    /** From memory after the first call, which measures the blobs already stored (see {@link #sizes}). */
    @Override
    public Usage usage() {
        if (!measured) measureStored();
        return new Usage(sizes.size(), totalBytes.get());
    }

    /**
     * Adds the blobs already on disk to {@link #sizes}; those stored or deleted meanwhile are counted by
     * {@link #stored}/{@link #removed} as always. A blob deleted between its stat and its entry is taken out again.
     */
    private synchronized void measureStored() {
        if (measured) return;
        try {
            forEach(d -> {
                try {
                    long size = Files.size(path(d));
                    if (sizes.putIfAbsent(d.hex(), size) == null) {
                        totalBytes.addAndGet(size);
                        if (!Files.exists(path(d))) removed(d.hex());
                    }
                } catch (IOException gone) {
                    // deleted meanwhile
                }
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        measured = true;
    }

    /** Where a blob is (or would be) stored; only this class and the store's tests know blobs as files. */
    Path path(Digest d) {
        return dir.resolve(d.hex());
    }

    @Override
    public boolean exists(Digest d) {
        return Files.isRegularFile(path(d));
    }

    @Override
    public long size(Digest d) throws IOException {
        return Files.size(path(d));
    }

    @Override
    public InputStream open(Digest d) throws IOException {
        return Files.newInputStream(path(d));
    }

    @Override
    public Path localTempDir() {
        return tmp;
    }

    @Override
    public BlobWriter newWriter() throws IOException {
        return new FsBlobWriter(Files.createTempFile(tmp, "ingest-", ""));
    }

    /** One atomic write, without a writer's temp file and hashing stream. */
    @Override
    public Digest put(byte[] bytes) throws IOException {
        Digest d = Digest.sha256(bytes);
        if (!exists(d)) AtomicFiles.write(path(d), bytes);
        stored(d.hex(), bytes.length);
        return d;
    }

    /** Moves the file into place (same file system: resumable downloads are kept under the data root); synced first. */
    @Override
    public void adoptLocalFile(Path verified, Digest digest) throws IOException {
        Path target = path(digest);
        if (Files.exists(target)) {
            Files.deleteIfExists(verified);
            return;
        }
        long size = Files.size(verified);
        // blobs are private whoever made the file (a load's unpacked layer, a pull's partial download)
        Files.setPosixFilePermissions(verified, PrivateFiles.FILE);
        AtomicFiles.fsync(verified);
        AtomicFiles.moveIntoPlace(verified, target);
        stored(digest.hex(), size);
    }

    @Override
    public void delete(Digest d) throws IOException {
        Files.deleteIfExists(path(d));
        removed(d.hex());
    }

    /**
     * Every stored blob. Other names in the directory are the temp files of writes in progress ({@link AtomicFiles}
     * writes next to its target): they are left alone here and only cleaned at startup
     * ({@link #removeInterruptedWrites}); a collection that deleted them broke the write (a pull failed with
     * "…/.tmp-&lt;hex&gt; -&gt; …").
     */
    @Override
    public void forEach(Consumer<Digest> each) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                if (HEX64.matcher(n).matches()) each.accept(new Digest("sha256", n));
            }
        }
    }

    /** Empties {@code blobs/tmp} (interrupted writes, a load's unpacked archive) and removes what an interrupted write left next to the blobs. */
    @Override
    public void removeInterruptedWrites() throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(tmp)) {
            for (Path p : s) AtomicFiles.deleteTree(p);
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (!HEX64.matcher(p.getFileName().toString()).matches()) AtomicFiles.deleteTree(p);
            }
        }
    }

    /** A blob being written to a temp file: hashed and counted on the way to disk, renamed into place on commit. */
    private final class FsBlobWriter implements BlobWriter {
        private final Path file;
        private final FileChannel channel;
        private final MessageDigest sha = Digest.newSha256();
        private final CountingOutputStream counting;
        private final OutputStream stream;
        private boolean done;

        private FsBlobWriter(Path file) throws IOException {
            this.file = file;
            this.channel = FileChannel.open(file, StandardOpenOption.WRITE);
            this.counting = new CountingOutputStream(new java.io.BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16));
            this.stream = new DigestOutputStream(counting, sha);
        }

        @Override
        public OutputStream stream() {
            return stream;
        }

        @Override
        public long size() {
            return counting.count();
        }

        /** Syncs, verifies against {@code expected} (when not null) and moves the blob into place. */
        @Override
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
            stored(actual.hex(), counting.count());
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
}
