package io.imaged.error;

import java.util.regex.Pattern;

/**
 * The last check on what an error body says: a message that names a Java class or carries a stack frame (a
 * library's text passed on as it was, e.g. {@code java.lang.IllegalArgumentException: port out of range}) is
 * replaced by a plain one. Docker clients show the message to users; a class name tells them nothing.
 */
public final class ErrorMessages {
    private static final Pattern JAVA_TEXT = Pattern.compile(
            "\\b(?:java|javax|jakarta|sun|org\\.apache|org\\.springframework|com\\.fasterxml)\\.[a-z]|[A-Za-z]Exception\\b|\\n\\s*at [\\w.$]+\\(");

    private ErrorMessages() {
    }

    public static String safe(String message, String fallback) {
        if (message == null || message.isBlank() || JAVA_TEXT.matcher(message).find()) return fallback;
        return message;
    }
}
