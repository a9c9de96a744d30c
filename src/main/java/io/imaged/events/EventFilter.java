package io.imaged.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.error.ImagedException;
import io.imaged.reference.ImageReference;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The filters of {@code GET /events} as moby's daemon/events/filter.go applies them: type, event, image,
 * label and scope; other keys are accepted and ignored, as dockerd 20.10 does.
 */
public final class EventFilter {
    private final Map<String, Set<String>> values;

    private EventFilter(Map<String, Set<String>> values) {
        this.values = values;
    }

    public static EventFilter parse(ObjectMapper json, String raw) {
        Map<String, Set<String>> out = new HashMap<>();
        if (raw != null && !raw.isBlank()) {
            JsonNode root;
            try {
                root = json.readTree(raw);
            } catch (Exception e) {
                throw ImagedException.invalid("invalid filter: " + raw);
            }
            if (root == null || !root.isObject()) throw ImagedException.invalid("invalid filter: " + raw);
            root.fields().forEachRemaining(e -> {
                Set<String> vals = new HashSet<>();
                JsonNode v = e.getValue();
                if (v.isObject()) v.fields().forEachRemaining(f -> {
                    if (f.getValue().asBoolean(false)) vals.add(f.getKey());
                });
                else if (v.isArray()) v.forEach(x -> vals.add(x.asText()));
                else throw ImagedException.invalid("invalid filter: " + raw);
                out.put(e.getKey(), vals);
            });
        }
        return new EventFilter(out);
    }

    public boolean test(Event ev) {
        return matches("type", ev.type()) && matches("event", ev.action()) && matches("scope", "local")
                && matchImage(ev) && matchLabels(ev.attributes());
    }

    private boolean matches(String key, String value) {
        Set<String> want = values.get(key);
        return want == null || want.isEmpty() || want.contains(value);
    }

    /** An image filter matches the event's ID or name attribute, with or without its tag. */
    private boolean matchImage(Event ev) {
        Set<String> want = values.get("image");
        if (want == null || want.isEmpty()) return true;
        String name = ev.attributes().getOrDefault("name", "");
        return want.contains(ev.actorId()) || want.contains(name)
                || want.contains(stripTag(ev.actorId())) || want.contains(stripTag(name));
    }

    private static String stripTag(String s) {
        try {
            ImageReference r = ImageReference.parse(s);
            if (r.hasTag() && !r.hasDigest()) return r.familiarName();
        } catch (RuntimeException ignored) {
            // not a reference (an image ID): nothing to strip
        }
        return s;
    }

    private boolean matchLabels(Map<String, String> attrs) {
        Set<String> want = values.get("label");
        if (want == null) return true;
        for (String w : want) {
            int eq = w.indexOf('=');
            if (eq < 0) {
                if (!attrs.containsKey(w)) return false;
            } else if (!w.substring(eq + 1).equals(attrs.get(w.substring(0, eq)))) {
                return false;
            }
        }
        return true;
    }
}
