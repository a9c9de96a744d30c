package io.imaged.error;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.regex.Pattern;

/**
 * The last check on what an error body or a log line says: a message that names a Java class or carries a stack
 * frame (a library's text passed on as it was, e.g. {@code java.lang.IllegalArgumentException: port out of range})
 * is replaced by a plain one — Docker clients show the message to users; a class name tells them nothing — and an
 * I/O failure of the store's own files is worded without naming them (the JDK's {@link FileSystemException}
 * messages are paths under the data root).
 */
public final class ErrorMessages {
    private static final Pattern JAVA_TEXT = Pattern.compile(
            "\\b(?:java|javax|jakarta|sun|org\\.apache|org\\.springframework|com\\.fasterxml)\\.[a-z]|[A-Za-z]Exception\\b|\\n\\s*at [\\w.$]+\\(");

    private ErrorMessages() {
    }

    /** The message to show for {@code e}: {@link #withoutPaths}, then {@link #safe}. */
    public static String of(Throwable e, String fallback) {
        return safe(withoutPaths(e), fallback);
    }

    /** {@code e}'s own message, unless a file-system failure is behind it: then words that name no path. */
    public static String withoutPaths(Throwable e) {
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

    public static String safe(String message, String fallback) {
        if (message == null || message.isBlank() || JAVA_TEXT.matcher(message).find()) return fallback;
        return message;
    }
}
