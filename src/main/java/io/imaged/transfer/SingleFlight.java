package io.imaged.transfer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * At most one run of a piece of work per key at a time, daemon-wide: a caller that finds a run under way waits for
 * its outcome instead of starting another (one download per blob digest however many pulls want it, one
 * compression per layer however many pushes). Go's {@code singleflight}, moby's transfer de-duplication.
 */
public final class SingleFlight<K, V> {
    private final ConcurrentHashMap<K, CompletableFuture<V>> running = new ConcurrentHashMap<>();

    @FunctionalInterface
    public interface Work<V> {
        V run() throws IOException;
    }

    /** The run this caller joined failed; its cause is that run's failure, which the caller may answer differently. */
    public static final class JoinedRunFailed extends IOException {
        public JoinedRunFailed(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * Runs {@code work} for {@code key}, or waits for the run under way and returns its result. A failure of the
     * caller's own run is thrown as it is; a failure of a joined run as {@link JoinedRunFailed}.
     */
    public V run(K key, Work<V> work) throws IOException {
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> other = running.putIfAbsent(key, mine);
        if (other != null) return await(other);
        try {
            V v = work.run();
            mine.complete(v);
            return v;
        } catch (IOException | RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            running.remove(key, mine);
        }
    }

    private static <V> V await(CompletableFuture<V> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for another transfer of the same content");
        } catch (ExecutionException e) {
            throw new JoinedRunFailed(e.getCause());
        }
    }

    /** The unwrapped failure of a joined run, for callers that treat it like their own. */
    public static IOException unwrap(JoinedRunFailed e) {
        Throwable c = e.getCause();
        if (c instanceof IOException io) return io;
        if (c instanceof RuntimeException re) throw re;
        if (c instanceof Error err) throw err;
        return new IOException(c.getMessage(), c);
    }
}
