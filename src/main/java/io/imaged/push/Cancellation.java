package io.imaged.push;

import io.imaged.push.Cancellation;

import io.imaged.error.ClientGoneException;

import io.imaged.progress.ProgressOutput;
import java.io.InterruptedIOException;
import java.util.HashSet;
import java.util.Set;

/**
 * Stops the parallel work of one operation (the layer uploads of a push) when one part failed or the client went
 * away: the threads working for it are interrupted (a request waiting for an answer returns), and streams they read
 * check {@link #check()} on every read, so a body being sent stops at its next chunk even when the HTTP client
 * does not notice the interrupt. dockerd does the same by cancelling the push's context.
 */
final class Cancellation {
    private final ProgressOutput out;
    private final Set<Thread> workers = new HashSet<>();
    private volatile boolean cancelled;

    Cancellation(ProgressOutput out) {
        this.out = out;
    }

    /** Whether the work must stop: cancelled, or the client is gone (a write to it failed). */
    boolean cancelled() {
        return cancelled || out.gone();
    }

    boolean clientGone() {
        return out.gone();
    }

    /** Throws when the work must stop: {@link ClientGoneException} if the client went away. */
    void check() throws InterruptedIOException {
        if (out.gone()) throw new Gone();
        if (cancelled) throw new InterruptedIOException("cancelled");
    }

    synchronized void cancel() {
        if (cancelled) return;
        cancelled = true;
        workers.forEach(Thread::interrupt);
    }

    /** The calling thread works for this operation until {@link #leave()}; it is interrupted on cancel. */
    synchronized void enter() {
        workers.add(Thread.currentThread());
        if (cancelled) Thread.currentThread().interrupt();
    }

    synchronized void leave() {
        workers.remove(Thread.currentThread());
        Thread.interrupted(); // a cancel that raced the end of the work must not reach the next task of this thread
    }

    /** The client went away; an {@link InterruptedIOException}, so no retry policy tries again. */
    static final class Gone extends InterruptedIOException {
        Gone() {
            super("the client went away");
        }
    }
}
