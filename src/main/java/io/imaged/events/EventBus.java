package io.imaged.events;

import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** In-process event bus: past events in a bounded ring (dockerd keeps 256), live ones to subscribers. */
@Component
public class EventBus {
    static final int RING_SIZE = 256;
    private final Deque<Event> ring = new ArrayDeque<>(RING_SIZE);
    private final List<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();
    private long lastNano;

    public void image(String action, String actorId, String name) {
        image(action, actorId, name, null);
    }

    /**
     * An image event as dockerd logs it (daemon.LogImageEvent): {@code name} plus every label of the image
     * as Actor.Attributes. Labels never override {@code name}.
     */
    public void image(String action, String actorId, String name, Map<String, String> labels) {
        Map<String, String> attrs = new TreeMap<>();
        if (labels != null) attrs.putAll(labels);
        attrs.put("name", name);
        image(action, actorId, attrs);
    }

    public void image(String action, String actorId, Map<String, String> attributes) {
        publish(new Event("image", action, actorId, new TreeMap<>(attributes), 0));
    }

    public synchronized void publish(Event e) {
        // a strictly increasing clock keeps the ring ordered for since/until even within one nanosecond tick
        Instant now = Instant.now();
        long nano = Math.max(now.getEpochSecond() * 1_000_000_000L + now.getNano(), lastNano + 1);
        lastNano = nano;
        Event stamped = e.timeNano() == 0 ? new Event(e.type(), e.action(), e.actorId(), e.attributes(), nano) : e;
        if (ring.size() == RING_SIZE) ring.removeFirst();
        ring.addLast(stamped);
        for (Consumer<Event> s : subscribers) s.accept(stamped);
    }

    /** The past events, then every new one to {@code sink} until the returned handle is closed. */
    public synchronized Subscription subscribe(Consumer<Event> sink) {
        List<Event> past = new ArrayList<>(ring);
        subscribers.add(sink);
        return new Subscription(past, () -> subscribers.remove(sink));
    }

    public record Subscription(List<Event> past, Runnable cancel) implements AutoCloseable {
        @Override
        public void close() {
            cancel.run();
        }
    }
}
