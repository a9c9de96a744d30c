package io.imaged.api;

import io.imaged.error.ClientGoneException;

import jakarta.servlet.http.HttpServletRequest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;

/**
 * A request body as the services read it, remembering why reading it failed: the client sent nothing for
 * {@code imaged.request-body-timeout}, or went away. The services wrap read errors in their own words (a
 * truncated tar, an invalid archive); the controller asks this afterwards, so a stalled upload is answered
 * "request body: timed out" and a vanished client is logged as one line, not as a server error.
 */
final class RequestBody extends FilterInputStream {
    enum Failure { NONE, TIMED_OUT, CLIENT_GONE, MALFORMED }

    private volatile Failure failure = Failure.NONE;
    private volatile IOException error;
    /** The declared Content-Length, or -1 (chunked: Tomcat's chunk decoder reports a cut itself). */
    private final long declared;
    private long seen;

    private final Runnable awaitContainer;

    private RequestBody(HttpServletRequest request, InputStream in, long declared) {
        super(in);
        this.declared = declared;
        this.awaitContainer = ContainerHandOffValve.awaitingContainer(request);
    }

    /** Made on the container thread that received the request. */
    static RequestBody of(HttpServletRequest request) throws IOException {
        return new RequestBody(request, request.getInputStream(), request.getContentLengthLong());
    }

    /**
     * Called by the thread that will read the body, before it reads: returns once the container thread has left the
     * request, so that a read error is seen by this thread alone ({@link ContainerHandOffValve}).
     */
    void awaitContainerThread() {
        awaitContainer.run();
    }

    Failure failure() {
        return failure;
    }

    /** The read error behind {@link #failure()}, as Tomcat raised it (null while there is none). */
    IOException error() {
        return error;
    }

    @Override
    public int read() throws IOException {
        int c;
        try {
            c = super.read();
        } catch (IOException e) {
            throw noted(e);
        }
        counted(c < 0 ? -1 : 1);
        return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n;
        try {
            n = super.read(b, off, len);
        } catch (IOException e) {
            throw noted(e);
        }
        counted(n);
        return n;
    }

    /**
     * In async mode Tomcat may end a Content-Length body that the client cut short with a plain end of stream: the
     * client went away, which the archive readers would otherwise take for a truncated archive of the client's.
     */
    private void counted(int n) throws IOException {
        if (n > 0) {
            seen += n;
        } else if (n < 0 && declared >= 0 && seen < declared) {
            throw noted(new java.io.EOFException("the client sent " + seen + " of " + declared + " bytes and went away"));
        }
    }

    @Override
    public long skip(long n) throws IOException {
        try {
            return super.skip(n);
        } catch (IOException e) {
            throw noted(e);
        }
    }

    /**
     * Every read error of the servlet stream is the client's side: Tomcat reports a stall and a vanished client as
     * ClientAbortException, and a body it cannot decode (a bad chunk header) as BadRequestException.
     */
    private synchronized IOException noted(IOException e) {
        // the first failure is the cause: a read after it fails too, in other words ("no data available")
        if (failure == Failure.NONE) {
            error = e;
            failure = causedByTimeout(e) ? Failure.TIMED_OUT
                    : TomcatErrors.isMalformedBody(e) ? Failure.MALFORMED : Failure.CLIENT_GONE;
        }
        // the readers (tar, archive, JSON) stop at this type instead of calling the body truncated
        return failure == Failure.CLIENT_GONE ? new ClientGoneException("request body", e) : e;
    }

    private static boolean causedByTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) return true;
        }
        return false;
    }
}
