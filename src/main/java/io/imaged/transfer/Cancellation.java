package io.imaged.transfer;

import io.imaged.error.ClientGoneException;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Stops the transfers of one operation when one failed or its client went away, as dockerd cancels a pull's or
 * push's context: transfers check {@link #check()} at every chunk (a body being sent or read stops at its next
 * one even when the HTTP client does not notice an interrupt), and, where the direction allows it, the threads
 * working for the operation are interrupted so that a request waiting for an answer returns.
 */
public final class Cancellation {
    private final BooleanSupplier clientGone;
    private final boolean interrupts;
    private final Set<Thread> workers = new HashSet<>();
    private volatile boolean cancelled;

    Cancellation(BooleanSupplier clientGone, boolean interrupts) {
        this.clientGone = clientGone;
        this.interrupts = interrupts;
    }

    /** Whether the work must stop: cancelled, or the client is gone. */
    public boolean cancelled() {
        return cancelled || clientGone();
    }

    public boolean clientGone() {
        return clientGone.getAsBoolean();
    }

    /**
     * Throws when the work must stop: {@link ClientGoneException} if the client went away, else an
     * {@link InterruptedIOException}; neither is retried.
     */
    public void check() throws IOException {
        if (clientGone()) throw new ClientGoneException();
        if (cancelled) throw new InterruptedIOException("cancelled");
    }

    /** Whether {@code e} is a transfer stopped this way (or by an interrupt), rather than one that failed. */
    public static boolean isStop(Throwable e) {
        if (e instanceof ClientGoneException || e instanceof CancellationException) return true;
        return e instanceof InterruptedIOException && !(e instanceof HttpTimeoutException)
                && !(e instanceof SocketTimeoutException);
    }

    synchronized void cancel() {
        if (cancelled) return;
        cancelled = true;
        if (interrupts) workers.forEach(Thread::interrupt);
    }

    /** The calling thread works for this operation until {@link #leave()}; it is interrupted on cancel. */
    synchronized void enter() {
        workers.add(Thread.currentThread());
        if (cancelled && interrupts) Thread.currentThread().interrupt();
    }

    synchronized void leave() {
        workers.remove(Thread.currentThread());
        Thread.interrupted(); // a cancel that raced the end of the work must not reach the next task of this thread
    }
}
