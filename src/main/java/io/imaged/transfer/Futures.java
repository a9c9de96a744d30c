package io.imaged.transfer;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for work beside a transfer that must have ended before its files or buffers are let go. */
public final class Futures {
    private Futures() {
    }

    /**
     * {@link Future#get()}, waiting on through interruptions (the interrupt is kept for the caller): a reader must
     * have stopped before what it reads is moved, deleted or recycled, whoever is interrupted meanwhile.
     */
    public static <T> T getUninterruptibly(Future<T> f) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
