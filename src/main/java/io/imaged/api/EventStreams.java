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
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open {@code GET /events} streams. Each is an async servlet response written with non-blocking IO
 * (a {@link WriteListener}): while it waits for events it holds no thread at all, so hundreds of open
 * {@code docker events} cost a little memory each instead of a worker thread each. Events are queued per stream
 * and written by a small shared pool (never on the thread that published them, which holds the bus's lock);
 * a stream whose client does not read is cut when its queue is full, or by Tomcat's write timeout.
 * <p>
 * At shutdown (this lifecycle stops before the web server's graceful shutdown) every stream is ended — what is
 * queued is sent, then the response completes — so that graceful shutdown waits only for requests that write.
 */
@Component
public class EventStreams implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(EventStreams.class);
    /** A slow consumer may fall behind this far before it is cut off, rather than buffering without bound. */
    static final int MAX_PENDING = 10_000;
    /** How long stop() lets streams send what they have queued before it closes them regardless. */
    private static final long END_GRACE_MS = 2_000;

    private final ObjectMapper json;
    private final Set<Stream> open = ConcurrentHashMap.newKeySet();
    private final ExecutorService writers = Executors.newFixedThreadPool(2, daemon("imaged-events-"));
    private final ScheduledExecutorService timers;
    private volatile boolean running;

    public EventStreams(ObjectMapper json) {
        this.json = json;
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemon("imaged-events-until-"));
        t.setRemoveOnCancelPolicy(true);
        this.timers = t;
    }

    /**
     * Turns the request behind {@code ctx} into an event stream. Events given to {@link Stream#sendLive} are held
     * back until {@link Stream#replayDone} so that the replayed past comes first. When imaged is stopping, the
     * stream ends as soon as it is opened.
     */
    Stream open(AsyncContext ctx, ServletOutputStream out, ApiVersion version) {
        Stream s = new Stream(ctx, out, version);
        ctx.addListener(s);
        out.setWriteListener(s); // before anything can write: isReady() needs the listener
        open.add(s);
        if (!running) s.finish(); // stop() may have run already
        return s;
    }

    boolean accepting() {
        return running;
    }

    int openCount() {
        return open.size();
    }

    private static java.util.concurrent.ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        if (!open.isEmpty()) log.info("ending {} open event stream(s)", open.size());
        for (Stream s : open) s.finish();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(END_GRACE_MS);
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Stream s : open) s.abort(); // clients that do not read: nothing more will reach them
        writers.shutdown();
        timers.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops before the web server's graceful shutdown (which has a lower phase), so that it does not wait for streams. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }

    /**
     * One stream. Whoever wants it written (a new event, Tomcat saying the socket is writable, the end) bumps
     * {@code wip}; only the caller that moved it from 0 runs the write loop, and loops again while others bumped
     * it meanwhile, so the output stream is only ever used by one thread at a time and no wake-up is lost.
     */
    final class Stream implements WriteListener, AsyncListener {
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

        private Stream(AsyncContext ctx, ServletOutputStream out, ApiVersion version) {
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
            if (pending.incrementAndGet() > MAX_PENDING) {
                log.info("event stream cut: the client fell {} events behind", MAX_PENDING);
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
            open.remove(this);
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
}
