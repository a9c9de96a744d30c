package io.imaged.events;

import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** In-process event bus: past events in a bounded ring (dockerd keeps 256), live ones to subscribers. */
@Component
public class EventBus {
    static final int RING_SIZE = 256;
    private final Deque<Event> ring = new ArrayDeque<>(RING_SIZE);
    private final List<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();

    public void image(String action, String actorId, String name) {
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("name", name);
        image(action, actorId, attrs);
    }

    public void image(String action, String actorId, Map<String, String> attributes) {
        Instant now = Instant.now();
        publish(new Event("image", action, actorId, Map.copyOf(attributes),
                now.getEpochSecond() * 1_000_000_000L + now.getNano()));
    }

    public synchronized void publish(Event e) {
        if (ring.size() == RING_SIZE) ring.removeFirst();
        ring.addLast(e);
        for (Consumer<Event> s : subscribers) s.accept(e);
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
