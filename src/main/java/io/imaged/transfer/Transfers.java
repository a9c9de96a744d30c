package io.imaged.transfer;

import io.imaged.error.ClientGoneException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * The layer transfers of one pull or push. Each {@link #add added} transfer takes its place in the daemon-wide line
 * at once, so an operation's transfers start in the order they were added (the ones behind say {@code Waiting});
 * it runs on the manager's threads when its slot comes. On the first failure — a transfer's, or one the caller
 * reports with {@link #stop} — no queued transfer starts, the running ones are cancelled as the {@link Direction}
 * says, and the failure is thrown only once none of them is still running (bounded wait).
 */
public final class Transfers<T> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Transfers.class);
    private static final long STOP_WAIT_SECONDS = 30;
    private final Direction direction;
    private final TransferSlots slots;
    private final Executor threads;
    private final Cancellation cancel;
    private final List<Transfer<T>> all = new ArrayList<>();
    /** The first transfer failure, in time (the one reported); set before the others are cancelled. */
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    private volatile boolean failed;

    Transfers(Direction direction, TransferSlots slots, Executor threads, BooleanSupplier clientGone) {
        this.direction = direction;
        this.slots = slots;
        this.threads = threads;
        this.cancel = new Cancellation(clientGone, direction.stopsAllOnFailure());
    }

    /** One transfer's work; it checks {@code cancel} at every chunk it moves. */
    @FunctionalInterface
    public interface Task<T> {
        T run(Cancellation cancel) throws IOException;
    }

    /** An added transfer. */
    public static final class Transfer<R> {
        private final Transfers<R> batch;
        private final TransferSlots.Slot slot;
        private final CompletableFuture<R> result;

        private Transfer(Transfers<R> batch, TransferSlots.Slot slot, CompletableFuture<R> result) {
            this.batch = batch;
            this.slot = slot;
            this.result = result;
        }

        /**
         * Its result; its failure is the batch's first: the others are stopped (see {@link Transfers}) before it
         * is thrown.
         */
        public R get() throws IOException {
            try {
                return result.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw batch.stop(new InterruptedIOException("interrupted"));
            } catch (ExecutionException e) {
                throw batch.stop(e.getCause());
            }
        }
    }

    public Cancellation cancellation() {
        return cancel;
    }

    /** Told, before its work can start, that an added transfer is queued behind others. */
    @FunctionalInterface
    public interface Queued {
        void waiting() throws IOException;
    }

    /**
     * Adds a transfer: its place in line is taken now, its work runs when the place comes; when it must wait,
     * {@code queued} hears so first (dockerd's {@code Waiting} comes before any progress of the transfer).
     */
    public Transfer<T> add(Task<T> task, Queued queued) throws IOException {
        TransferSlots.Slot slot = slots.take();
        CompletableFuture<T> result = new CompletableFuture<>();
        Transfer<T> t = new Transfer<>(this, slot, result);
        all.add(t);
        if (!slot.ready()) {
            try {
                queued.waiting();
            } catch (IOException | RuntimeException e) {
                slot.close();
                result.completeExceptionally(e);
                throw e;
            }
        }
        threads.execute(() -> run(task, slot, result));
        return t;
    }

    private void run(Task<T> task, TransferSlots.Slot slot, CompletableFuture<T> result) {
        cancel.enter();
        try {
            if (!slot.await() || failed) throw new InterruptedIOException("cancelled");
            cancel.check();
            result.complete(task.run(cancel));
        } catch (Throwable e) {
            // marked before the slot is handed on, so that no queued transfer of this operation starts after it
            // (and completed before the others are cancelled, so that it is the failure reported, not theirs)
            Throwable failure = e instanceof InterruptedException ? new InterruptedIOException("interrupted") : e;
            failed = true;
            firstFailure.compareAndSet(null, failure);
            result.completeExceptionally(failure);
            if (direction.stopsAllOnFailure()) cancel.cancel();
        } finally {
            slot.close();
            cancel.leave();
        }
    }

    /** Waits for every transfer; the first failure stops the rest and is thrown. Results are in the order added. */
    public List<T> awaitAll() throws IOException {
        CompletableFuture<?> every = CompletableFuture.allOf(all.stream().map(t -> t.result).toArray(CompletableFuture[]::new));
        CompletableFuture<Void> anyFailed = new CompletableFuture<>();
        for (Transfer<T> t : all) t.result.whenComplete((v, e) -> {
            if (e != null) anyFailed.complete(null);
        });
        try {
            CompletableFuture.anyOf(every, anyFailed).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw stop(new InterruptedIOException("interrupted"));
        } catch (ExecutionException e) {
            // a failure, recorded in firstFailure
        }
        if (firstFailure.get() != null) throw stop(firstFailure.get());
        List<T> results = new ArrayList<>(all.size());
        for (Transfer<T> t : all) results.add(t.result.join());
        return results;
    }

    /**
     * The operation failed ({@code failure}, a transfer's or the caller's own): no queued transfer starts, running
     * ones are cancelled when the direction or a departed client says so, and once none runs (or after a bounded
     * wait) the failure to report is returned: the client's departure if it left, else {@code failure}.
     */
    public IOException stop(Throwable failure) {
        failed = true;
        if (direction.stopsAllOnFailure() || cancel.clientGone() || ClientGoneException.in(failure)) cancel.cancel();
        all.forEach(t -> t.slot.abandonIfQueued());
        CompletableFuture<?> every = CompletableFuture.allOf(all.stream().map(t -> t.result).toArray(CompletableFuture[]::new));
        try {
            every.get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException expected) {
            // the failures of the stopped transfers; the first one is the one reported
        } catch (TimeoutException e) {
            log.warn("{} transfers still running {} s after their operation stopped", direction, STOP_WAIT_SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Throwable f = failure;
        while ((f instanceof CompletionException || f instanceof ExecutionException) && f.getCause() != null) f = f.getCause();
        if (cancel.clientGone() && !(f instanceof ClientGoneException)) return new ClientGoneException();
        if (f instanceof IOException io) return io;
        if (f instanceof UncheckedIOException uio) return uio.getCause();
        if (f instanceof RuntimeException re) throw re;
        if (f instanceof Error err) throw err;
        return new IOException(f.getMessage(), f);
    }

    /** Gives back the places in line of transfers that never ran. Idempotent. */
    @Override
    public void close() {
        all.forEach(t -> t.slot.close());
    }
}
