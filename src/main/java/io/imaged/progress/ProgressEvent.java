package io.imaged.progress;

/**
 * One message of a streamed operation (pull, push, load, URL import), as Docker's {@code jsonmessage} carries it.
 * The domain says what happened; the web layer renders it (fields, bar, line ends).
 */
public sealed interface ProgressEvent {
    /** A plain status line, with an id when given ({@code Pulling from test/small}, {@code Digest: …}). */
    record Status(String id, String text) implements ProgressEvent {
    }

    /** A layer's state with empty progress ({@code Pulling fs layer}, {@code Pull complete}). */
    record Layer(String id, String text) implements ProgressEvent {
    }

    /** A progress bar ({@code Downloading}, {@code Extracting}, {@code Importing}); id may be null; total ≤ 0 = unknown. */
    record Bar(String id, String text, long current, long total) implements ProgressEvent {
    }

    /** Extra data for the client ({@code aux}: a pushed tag's digest and size, a manifest pushed instead of an index). */
    record Aux(Object value) implements ProgressEvent {
    }

    /** Output text ({@code stream}: load's {@code Loaded image: …} lines). */
    record Stream(String text) implements ProgressEvent {
    }

    /** The error that ended the operation; always the last message. */
    record Failure(String message) implements ProgressEvent {
    }
}
