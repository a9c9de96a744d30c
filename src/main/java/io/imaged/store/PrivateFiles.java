package io.imaged.store;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creates what goes under the data root readable by the daemon's user only: directories 0700, files 0600.
 * Images may hold secrets (keys, tokens baked into layers), and dockerd keeps /var/lib/docker just as closed.
 * The modes are given at creation, so there is no moment in which a new file is readable by others.
 * On a file system without POSIX permissions the attributes are left out.
 */
public final class PrivateFiles {
    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    /** The data root: the group may pass through it to reach the default socket (0660) and nothing else. */
    public static final Set<PosixFilePermission> ROOT = PosixFilePermissions.fromString("rwx--x---");
    static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private PrivateFiles() {
    }

    private static FileAttribute<?>[] attributes(Set<PosixFilePermission> perms) {
        return POSIX ? new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(perms)} : new FileAttribute<?>[0];
    }

    /** Like {@link Files#createDirectories}; each directory it creates is 0700 (existing ones are left as they are). */
    public static Path createDirectories(Path dir) throws IOException {
        return Files.createDirectories(dir, attributes(DIRECTORY));
    }

    /** Opens (creating it 0600 when missing) a file for writing with the given options. */
    public static FileChannel openChannel(Path file, OpenOption... options) throws IOException {
        Set<OpenOption> opts = new java.util.HashSet<>(Set.of(options));
        opts.add(StandardOpenOption.CREATE);
        opts.add(StandardOpenOption.WRITE);
        return FileChannel.open(file, opts, attributes(FILE));
    }

    /** An output stream on a file created 0600 when missing (options as {@link Files#newOutputStream}). */
    public static OutputStream newOutputStream(Path file, OpenOption... options) throws IOException {
        return Channels.newOutputStream(openChannel(file, options));
    }

    /** Writes {@code bytes} to {@code file} (created 0600 when missing, else truncated). */
    public static void write(Path file, byte[] bytes) throws IOException {
        try (OutputStream out = newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(bytes);
        }
    }

    /** Sets {@code perms} on {@code p} (callers never pass a symbolic link); false on a file system without POSIX modes. */
    static boolean setPermissions(Path p, Set<PosixFilePermission> perms) throws IOException {
        if (!POSIX) return false;
        Files.setPosixFilePermissions(p, perms);
        return true;
    }
}
