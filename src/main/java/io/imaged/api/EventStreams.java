package io.imaged.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.engine.ApiVersion;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
    private final Set<EventStream> open = ConcurrentHashMap.newKeySet();
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
     * Turns the request behind {@code ctx} into an event stream. Events given to {@link EventStream#sendLive} are held
     * back until {@link EventStream#replayDone} so that the replayed past comes first. When imaged is stopping, the
     * stream ends as soon as it is opened.
     */
    EventStream open(AsyncContext ctx, ServletOutputStream out, ApiVersion version) {
        EventStream s = new EventStream(ctx, out, version, json, writers, timers, open::remove);
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
        for (EventStream s : open) s.finish();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(END_GRACE_MS);
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (EventStream s : open) s.abort(); // clients that do not read: nothing more will reach them
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
}
