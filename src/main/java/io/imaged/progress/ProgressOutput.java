package io.imaged.progress;

import io.imaged.error.ClientGoneException;
import io.imaged.error.ErrorMessages;
import io.imaged.error.ImagedException;

import java.io.IOException;

/**
 * What a streamed operation (pull, push, load, URL import) reports as it goes, and how it ends: each report becomes
 * a {@link ProgressEvent} for the {@link ProgressSink} the web layer gave; a failure becomes the last event. Thread-safe
 * (parallel layer transfers share one). A failed write means the client went away: the output is then
 * {@link #gone()}, and the operation's next report throws {@link ClientGoneException}, which cancels it.
 */
public class ProgressOutput {
    private final ProgressSink sink;
    private volatile boolean gone;
    /** The stream's last word was an error: the operation failed after its 200 (metrics count it so). */
    private volatile boolean failed;
    private final java.util.concurrent.CountDownLatch left = new java.util.concurrent.CountDownLatch(1);

    public ProgressOutput(ProgressSink sink) {
        this.sink = sink;
    }

    /** A plain status line, with an id when given ({@code {"status":"Pulling from test/small","id":"1"}}). */
    public void status(String id, String status) throws IOException {
        emit(new ProgressEvent.Status(id, status));
    }

    /** A layer status with empty progress ({@code {"status":"Pull complete","progressDetail":{},"id":"…"}}). */
    public void layer(String id, String status) throws IOException {
        emit(new ProgressEvent.Layer(id, status));
    }

    /** A progress bar line ({@code Downloading}, {@code Extracting}); {@code id} may be null. */
    public void progress(String id, String status, long current, long total) throws IOException {
        emit(new ProgressEvent.Bar(id, status, current, total));
    }

    /** Output text ({@code Loaded image: …}). */
    public void stream(String text) throws IOException {
        emit(new ProgressEvent.Stream(text));
    }

    public void error(String message) throws IOException {
        failed = true;
        emit(new ProgressEvent.Failure(message));
    }

    public void aux(Object aux) throws IOException {
        emit(new ProgressEvent.Aux(aux));
    }

    private synchronized void emit(ProgressEvent e) throws IOException {
        if (gone) throw new ClientGoneException();
        try {
            sink.emit(e);
        } catch (IOException failed) {
            gone = true;
            throw new ClientGoneException();
        }
    }

    /** The body of a streamed operation. */
    @FunctionalInterface
    public interface Streamed {
        void run() throws IOException;
    }

    /**
     * Runs a streamed operation whose 200 has been sent: a failure becomes the stream's last message
     * ({@code errorDetail}), as with dockerd; a client that went away only ends it.
     */
    public void run(String operation, Object subject, org.slf4j.Logger log, Streamed body) {
        try {
            body.run();
        } catch (ClientGoneException goneAway) {
            log.info("{} of {} cancelled: the client went away", operation, subject);
        } catch (IOException | RuntimeException e) {
            if (gone || interruption(e) && awaitClientLeft()) {
                // a write from another thread of the operation found the client gone and cancelled the rest, or the
                // server saw the connection close and interrupted the work: this failure is the cancel's echo
                log.info("{} of {} cancelled: the client went away", operation, subject);
                return;
            }
            boolean expected = e instanceof IOException || e instanceof ImagedException;
            // what the client reads never names a Java class nor a file of the data root (an unexpected failure is logged with its trace)
            String msg = ErrorMessages.of(e, "internal error");
            log.info("{} of {} failed: {}", operation, subject, msg);
            if (!expected) log.warn(operation + " failure", e);
            try {
                error(msg);
            } catch (IOException ignored) {
                // the client is gone too
            }
        }
    }

    public boolean gone() {
        return gone;
    }

    /** Whether the stream reported a failure ({@link #error}, or {@link #run} ending in one). */
    public boolean failed() {
        return failed;
    }

    /**
     * The server saw the client close the connection. The work's thread is interrupted at the same moment (by the
     * server, before it calls this), so {@link #run} waits a little for this call before it calls an interruption
     * a failure.
     */
    public void clientLeft() {
        gone = true;
        left.countDown();
    }

    private boolean awaitClientLeft() {
        boolean interrupted = Thread.interrupted();
        try {
            return left.await(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
            return gone;
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** The work was interrupted (not a socket read that timed out, which is an InterruptedIOException too). */
    private static boolean interruption(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException) return false;
            if (t instanceof java.io.InterruptedIOException || t instanceof InterruptedException
                    || t instanceof java.nio.channels.ClosedByInterruptException) return true;
        }
        return false;
    }
}
