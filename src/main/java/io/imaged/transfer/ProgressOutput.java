package io.imaged.transfer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imaged.error.ImagedException;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Docker's JSON-lines progress stream ({@code jsonmessage}): one object per line, fields in Go's order
 * (status, progressDetail, progress, id, errorDetail, error, aux), each line flushed so the CLI draws as it
 * happens. Thread-safe. A failed write means the client went away: the output is then {@link #gone()}.
 */
public class ProgressOutput {
    private static final byte[] NEWLINE = {'\r', '\n'};
    private final OutputStream out;
    private final ObjectMapper json;
    private volatile boolean gone;
    private final java.util.concurrent.CountDownLatch left = new java.util.concurrent.CountDownLatch(1);

    public ProgressOutput(OutputStream out, ObjectMapper json) {
        this.out = out;
        this.json = json;
    }

    /** A plain status line, with an id when given ({@code {"status":"Pulling from test/small","id":"1"}}). */
    public void status(String id, String status) throws IOException {
        ObjectNode n = json.createObjectNode();
        n.put("status", status);
        if (id != null) n.put("id", id);
        write(n);
    }

    /** A layer status with empty progress ({@code {"status":"Pull complete","progressDetail":{},"id":"…"}}). */
    public void layer(String id, String status) throws IOException {
        ObjectNode n = json.createObjectNode();
        n.put("status", status);
        n.putObject("progressDetail");
        n.put("id", id);
        write(n);
    }

    /** A progress bar line ({@code Downloading}, {@code Extracting}). */
    public void progress(String id, String status, long current, long total) throws IOException {
        ObjectNode n = json.createObjectNode();
        n.put("status", status);
        ObjectNode d = n.putObject("progressDetail");
        d.put("current", current);
        if (total > 0) d.put("total", total);
        n.put("progress", ProgressBar.render(current, total));
        n.put("id", id);
        write(n);
    }

    public void error(String message) throws IOException {
        ObjectNode n = json.createObjectNode();
        n.putObject("errorDetail").put("message", message);
        n.put("error", message);
        write(n);
    }

    public void aux(ObjectNode aux) throws IOException {
        ObjectNode n = json.createObjectNode();
        n.putObject("progressDetail");
        n.set("aux", aux);
        write(n);
    }

    public synchronized void write(ObjectNode n) throws IOException {
        if (gone) throw new ClientGoneException();
        try {
            out.write(json.writeValueAsBytes(n));
            out.write(NEWLINE);
            out.flush();
        } catch (IOException e) {
            gone = true;
            throw new ClientGoneException();
        }
    }

    /** The body of a streamed operation (pull, push). */
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
            String msg = io.imaged.error.ErrorMessages.safe(io.imaged.store.StoreErrors.message(e), "internal error");
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

    /** The client closed the connection; the operation is cancelled. */
    public static class ClientGoneException extends IOException {
        public ClientGoneException() {
            super("the client went away");
        }
    }
}
