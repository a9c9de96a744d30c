package io.imaged.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A response body that fails when no byte arrives for {@code timeout}: the JDK client's request timeout ends
 * with the headers, so without this a stalled body would hang a pull forever. A watchdog closes the stream,
 * which wakes the blocked reader; the reader then sees an IOException naming the stall.
 */
public final class StallGuard extends FilterInputStream {
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "registry-stall-watchdog");
        t.setDaemon(true);
        return t;
    });
    private final long timeoutNanos;
    private final String what;
    private final ScheduledFuture<?> task;
    private volatile long lastProgress = System.nanoTime();
    private volatile boolean stalled;
    private volatile boolean closed;

    public StallGuard(InputStream in, Duration timeout, String what) {
        super(in);
        this.timeoutNanos = timeout.toNanos();
        this.what = what;
        long period = Math.max(50, Math.min(1000, timeout.toMillis() / 4));
        this.task = WATCHDOG.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    private void check() {
        if (closed) return;
        if (System.nanoTime() - lastProgress > timeoutNanos) {
            stalled = true;
            try {
                in.close();
            } catch (IOException ignored) {
                // the reader fails either way
            }
            task.cancel(false);
        }
    }

    private void progress(int n) throws IOException {
        if (stalled) throw stall();
        if (n != 0) lastProgress = System.nanoTime();
    }

    private IOException stall() {
        return new java.net.SocketTimeoutException(what + ": no data received for " + timeoutNanos / 1_000_000_000L + "s");
    }

    @Override
    public int read() throws IOException {
        int b;
        try {
            b = in.read();
        } catch (IOException e) {
            if (stalled) throw stall();
            throw e;
        }
        progress(b < 0 ? 0 : 1);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n;
        try {
            n = in.read(b, off, len);
        } catch (IOException e) {
            if (stalled) throw stall();
            throw e;
        }
        progress(Math.max(n, 0));
        return n;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        task.cancel(false);
        in.close();
    }
}
