package io.imaged.store;

import io.imaged.digest.Digest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * What an unfinished pull leaves for the next one, under {@code <data-root>/partials/} (not {@code blobs/tmp},
 * which startup wipes): {@code <hex>.part} holds the bytes of a blob received so far (a later pull resumes it with
 * a Range request); {@code <hex>.verified} marks a blob that is complete and verified in the blob store but not
 * yet used by an image — it keeps that blob safe from garbage collection. Both expire after
 * {@code imaged.partial-retention}; neither ever counts as an image.
 */
public class PartialDownloads {
    private static final Logger log = LoggerFactory.getLogger(PartialDownloads.class);
    private final Path dir;
    private final Duration retention;

    PartialDownloads(Path dir, Duration retention) {
        this.dir = dir;
        this.retention = retention;
        try {
            PrivateFiles.createDirectories(dir);
            cleanup();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir, e);
        }
    }

    public Path part(Digest d) {
        return dir.resolve(d.hex() + ".part");
    }

    /** Records that a verified blob waits for its image. */
    public void markVerified(Digest d) throws IOException {
        PrivateFiles.write(dir.resolve(d.hex() + ".verified"), new byte[0]);
    }

    /** The blob's image is stored ({@link Store#commit} clears the markers of the blobs it names). */
    void clearVerified(Digest d) throws IOException {
        Files.deleteIfExists(dir.resolve(d.hex() + ".verified"));
    }

    /** Notes that a partial download is being worked on (resets its retention clock). */
    public void touch(Path p) {
        try {
            if (Files.exists(p)) Files.setLastModifiedTime(p, FileTime.from(Instant.now()));
        } catch (IOException ignored) {
            // only affects when it expires
        }
    }

    /** The verified blobs waiting for their image. */
    Set<Digest> blobRoots() {
        Set<Digest> out = new HashSet<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.verified")) {
            for (Path p : s) {
                String hex = p.getFileName().toString().substring(0, p.getFileName().toString().indexOf('.'));
                if (hex.length() == 64) out.add(new Digest("sha256", hex));
            }
        } catch (IOException | IllegalArgumentException e) {
            log.warn("cannot list {}: {}", dir, e.getMessage());
        }
        return out;
    }

    /** Removes partial downloads and markers not touched within the retention period. */
    void cleanup() {
        Instant cutoff = Instant.now().minus(retention);
        int removed = 0;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                try {
                    if (Files.getLastModifiedTime(p).toInstant().isBefore(cutoff)) {
                        Files.deleteIfExists(p);
                        removed++;
                    }
                } catch (IOException ignored) {
                    // gone already
                }
            }
        } catch (IOException e) {
            log.warn("cannot clean {}: {}", dir, e.getMessage());
        }
        if (removed > 0) log.info("removed {} partial download(s) older than {}", removed, retention);
    }
}
