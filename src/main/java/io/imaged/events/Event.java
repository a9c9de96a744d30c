package io.imaged.events;

import java.util.Map;

/**
 * One event as dockerd's events service records it.
 *
 * @param type       always {@code image} here
 * @param action     pull, push, tag, untag, delete, import, load, save, prune
 * @param actorId    the image ID or reference the event is about
 * @param attributes Actor.Attributes (at least {@code name})
 * @param timeNano   when, in nanoseconds since the epoch
 */
public record Event(String type, String action, String actorId, Map<String, String> attributes, long timeNano) {
    public long time() {
        return timeNano / 1_000_000_000L;
    }
}
