package io.imaged.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.engine.ApiVersion;
import io.imaged.events.Event;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One open {@code GET /events} stream (see {@link EventStreams}). Whoever wants it written (a new event, Tomcat saying the socket is writable, the end) bumps
 * {@code wip}; only the caller that moved it from 0 runs the write loop, and loops again while others bumped
 * it meanwhile, so the output stream is only ever used by one thread at a time and no wake-up is lost.
 */
final class EventStream implements WriteListener, AsyncListener {
    private static final Logger log = LoggerFactory.getLogger(EventStreams.class);
    private final ObjectMapper json;
    private final Executor writers;
    private final ScheduledExecutorService timers;
    private final Consumer<EventStream> released;
    private final AsyncContext ctx;
    private final ServletOutputStream out;
    private final ApiVersion version;
    private final Queue<Event> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger wip = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.List<Runnable> onEnd = new java.util.ArrayList<>();
    private java.util.List<Event> held = new java.util.ArrayList<>();
    private volatile boolean finishing;
    private volatile boolean aborted;
    private volatile ScheduledFuture<?> deadline;
    private boolean dirty = true; // the headers: sent with the first flush, as dockerd does at once

    EventStream(AsyncContext ctx, ServletOutputStream out, ApiVersion version, ObjectMapper json, Executor writers,
                ScheduledExecutorService timers, Consumer<EventStream> released) {
        this.json = json;
        this.writers = writers;
        this.timers = timers;
        this.released = released;
        this.version = version;
        this.ctx = ctx;
        this.out = out;
    }

    /** Runs {@code action} when the stream ends (at once if it has ended already). */
    void onEnd(Runnable action) {
        synchronized (onEnd) {
            if (!closed.get()) {
                onEnd.add(action);
                return;
            }
        }
        action.run();
    }

    /** A live event from the bus (its publisher's thread: only queues). */
    void sendLive(Event e) {
        synchronized (this) {
            if (held != null) {
                held.add(e);
                return;
            }
        }
        send(e);
    }

    /** The past has been queued: live events flow from now on. */
    void replayDone() {
        synchronized (this) {
            for (Event e : held) send(e);
            held = null;
        }
    }

    /** Queues an event (any thread, never blocks). */
    void send(Event e) {
        if (closed.get()) return;
        if (pending.incrementAndGet() > EventStreams.MAX_PENDING) {
            log.info("event stream cut: the client fell {} events behind", EventStreams.MAX_PENDING);
            abort();
            return;
        }
        queue.add(e);
        schedule();
    }

    /** Sends what is queued, then ends the answer. */
    void finish() {
        finishing = true;
        schedule();
    }

    /** Ends after {@code millis} (the request's {@code until}). */
    void finishAfter(long millis) {
        deadline = timers.schedule(this::finish, Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    /** Ends now, dropping what is queued. */
    void abort() {
        aborted = true;
        schedule();
    }

    private void schedule() {
        if (wip.getAndIncrement() == 0) {
            try {
                writers.execute(this::drain);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                drain();
            }
        }
    }

    @Override
    public void onWritePossible() {
        if (wip.getAndIncrement() == 0) drain();
    }

    private void drain() {
        int missed = 1;
        while (true) {
            writeWhatFits();
            missed = wip.addAndGet(-missed);
            if (missed == 0) return;
        }
    }

    private void writeWhatFits() {
        if (closed.get()) return;
        try {
            while (true) {
                if (aborted) {
                    close();
                    return;
                }
                if (!out.isReady()) return; // Tomcat calls onWritePossible when the socket drains
                Event e = queue.poll();
                if (e == null) {
                    if (dirty) {
                        dirty = false;
                        out.flush();
                        continue;
                    }
                    if (finishing) close();
                    return;
                }
                pending.decrementAndGet();
                // one write per isReady(): a write that the socket takes only in part leaves the stream not
                // ready, and a second write (the newline, once written on its own) then throws
                // IllegalStateException, which ended the stream and lost the rest of a replay
                out.write(line(e));
                dirty = true;
            }
        } catch (IOException | RuntimeException gone) {
            // the client went away: nothing more to send
            close();
        }
    }

    private byte[] line(Event e) throws IOException {
        byte[] event = json.writeValueAsBytes(EventsController.toJson(e, version));
        byte[] line = java.util.Arrays.copyOf(event, event.length + 1);
        line[event.length] = '\n';
        return line;
    }

    private void close() {
        if (!release()) return;
        try {
            ctx.complete();
        } catch (IllegalStateException alreadyDone) {
            // completed or failed by the container meanwhile
        }
    }

    /** Unsubscribes once; false if that has happened already. */
    private boolean release() {
        java.util.List<Runnable> actions;
        synchronized (onEnd) {
            if (!closed.compareAndSet(false, true)) return false;
            actions = new java.util.ArrayList<>(onEnd);
            onEnd.clear();
        }
        released.accept(this);
        ScheduledFuture<?> d = deadline;
        if (d != null) d.cancel(false);
        for (Runnable r : actions) r.run();
        return true;
    }

    @Override
    public void onError(Throwable t) {
        close();
    }

    @Override
    public void onComplete(AsyncEvent event) {
        release();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        abort();
    }

    @Override
    public void onError(AsyncEvent event) {
        close();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
    }
}
