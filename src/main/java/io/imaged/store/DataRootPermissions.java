package io.imaged.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Makes an existing data root private at startup: the root 0710 (as dockerd's /var/lib/docker: its group may reach
 * the default socket inside it, nothing else), every directory under it 0700, every file 0600.
 * <p>
 * Everything imaged creates is private from the start ({@link PrivateFiles}), so only a data root written by an
 * older imaged (0755 directories, 0644 files) needs fixing. That is done once, by one walk of the whole tree, after
 * which the marker file {@value #MARKER} is written; later starts only fix the root and its direct entries (a few
 * stats) instead of walking every blob again. Sockets (the default {@code imaged.sock} keeps 0660) and other special
 * files are left alone; symbolic links are not followed (their target is not part of the store).
 */
public final class DataRootPermissions {
    private static final Logger log = LoggerFactory.getLogger(DataRootPermissions.class);
    /** Present once every file under the root has been made private; delete it to have the next start check again. */
    public static final String MARKER = "private-modes";

    private DataRootPermissions() {
    }

    /** Creates {@code root} if missing and makes it and what is under it private; returns how many modes it changed. */
    public static int secure(Path root) throws IOException {
        if (!PrivateFiles.POSIX) {
            Files.createDirectories(root);
            return 0;
        }
        Files.createDirectories(root, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(PrivateFiles.ROOT));
        root = root.toRealPath(); // a data root that is a symbolic link: walk where it points
        int changed = fix(root, PrivateFiles.ROOT);
        Path marker = root.resolve(MARKER);
        if (Files.exists(marker, LinkOption.NOFOLLOW_LINKS)) {
            changed += fixEntries(root);
        } else {
            int[] refused = {0};
            changed += fixTree(root, refused);
            if (refused[0] > 0) {
                // e.g. certs.d files another user owns: the directories above them are closed; retry at the next start
                log.warn("{} file(s) under the data root could not be made private (not owned by this user?)", refused[0]);
                return changed;
            }
            PrivateFiles.write(marker, "imaged keeps every file under this directory 0600 and every directory 0700\n"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            AtomicFiles.fsyncDirectory(root);
        }
        if (changed > 0) log.info("made {} file(s) and directories of the data root private (0700/0600)", changed);
        return changed;
    }

    /** The root's direct entries only: the directories a missing-directory re-creation or a hand edit may have opened. */
    private static int fixEntries(Path root) throws IOException {
        int changed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path p : entries) {
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                changed += fixOrCount(p, a, new int[1]);
            }
        }
        return changed;
    }

    private static int fixTree(final Path root, int[] refused) throws IOException {
        int[] changed = {0};
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                // the directory first, so that its entries are never more open than it is while the walk runs
                if (!dir.equals(root)) changed[0] += fixOrCount(dir, posix(dir, attrs), refused);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                changed[0] += fixOrCount(file, posix(file, attrs), refused);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                // gone while walking (a temp file another start removed): nothing to make private
                return FileVisitResult.CONTINUE;
            }
        });
        return changed[0];
    }

    /** Like {@link #fix}, but a file this user may not change is counted in {@code refused} rather than stopping startup. */
    private static int fixOrCount(Path p, PosixFileAttributes a, int[] refused) throws IOException {
        try {
            return fix(p, a);
        } catch (java.nio.file.FileSystemException e) { // EPERM: owned by another user
            refused[0]++;
            return 0;
        }
    }

    private static PosixFileAttributes posix(Path p, BasicFileAttributes attrs) throws IOException {
        return attrs instanceof PosixFileAttributes a ? a
                : Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    private static int fix(Path p, PosixFileAttributes a) throws IOException {
        if (a.isDirectory()) return set(p, a.permissions(), PrivateFiles.DIRECTORY);
        if (a.isRegularFile()) return set(p, a.permissions(), PrivateFiles.FILE);
        return 0; // sockets keep their 0660, symbolic links have no mode of their own
    }

    private static int fix(Path root, Set<PosixFilePermission> wanted) throws IOException {
        return set(root, Files.getPosixFilePermissions(root), wanted);
    }

    private static int set(Path p, Set<PosixFilePermission> current, Set<PosixFilePermission> wanted) throws IOException {
        if (current.equals(wanted)) return 0;
        try {
            PrivateFiles.setPermissions(p, wanted);
            return 1;
        } catch (java.nio.file.NoSuchFileException gone) {
            return 0;
        }
    }
}
