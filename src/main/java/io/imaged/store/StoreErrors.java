package io.imaged.store;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * Words I/O failures of the store's own files without naming them: a message that reaches a client or the log
 * never shows a path under the data root (the JDK's {@link FileSystemException} messages are the paths).
 */
public final class StoreErrors {
    private StoreErrors() {
    }

    /** The message to show for {@code e}: its own, unless a file-system failure of the store is behind it. */
    public static String message(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FileSystemException fs) return describe(fs);
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Whether a file-system failure (whose message would be a path) is behind {@code e}. */
    public static boolean concernsFiles(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FileSystemException) return true;
        }
        return false;
    }

    private static String describe(FileSystemException e) {
        if (e instanceof NoSuchFileException) return "image store error: a file was removed while it was in use; try again";
        if (e instanceof AccessDeniedException) return "image store error: permission denied on a file of the data root";
        String reason = e.getReason();
        return "image store error: " + (reason == null || reason.isBlank() ? e.getClass().getSimpleName() : reason);
    }
}
