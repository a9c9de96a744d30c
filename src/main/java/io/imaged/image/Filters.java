package io.imaged.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.api.ApiException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Docker's {@code filters} query parameter: JSON {@code {"key":{"value":true}}} or the legacy
 * {@code {"key":["value"]}}; validated against the keys an endpoint accepts (api/types/filters).
 */
public final class Filters {
    private final Map<String, Set<String>> values;

    private Filters(Map<String, Set<String>> values) {
        this.values = values;
    }

    public static Filters none() {
        return new Filters(Map.of());
    }

    public static Filters parse(ObjectMapper json, String raw, Collection<String> accepted) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        if (raw != null && !raw.isBlank()) {
            JsonNode root;
            try {
                root = json.readTree(raw);
            } catch (Exception e) {
                throw ApiException.badRequest("invalid filter: " + raw);
            }
            if (root == null || !root.isObject()) throw ApiException.badRequest("invalid filter: " + raw);
            for (var it = root.fields(); it.hasNext(); ) {
                var e = it.next();
                Set<String> vals = new LinkedHashSet<>();
                JsonNode v = e.getValue();
                if (v.isObject()) {
                    v.fields().forEachRemaining(f -> {
                        if (f.getValue().asBoolean(false)) vals.add(f.getKey());
                    });
                } else if (v.isArray()) {
                    v.forEach(x -> vals.add(x.asText()));
                } else {
                    throw ApiException.badRequest("invalid filter: " + raw);
                }
                out.put(e.getKey(), vals);
            }
        }
        for (String key : out.keySet()) {
            if (!accepted.contains(key)) throw ApiException.badRequest("invalid filter '" + key + "'");
        }
        return new Filters(out);
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    public Set<String> get(String key) {
        return values.getOrDefault(key, Set.of());
    }

    public List<String> list(String key) {
        return new ArrayList<>(get(key));
    }

    /** {@code true}/{@code 1} or {@code false}/{@code 0}; anything else is a 400, as in GetBoolOrDefault. */
    public boolean bool(String key, boolean dflt) {
        Set<String> v = get(key);
        if (v.isEmpty()) return dflt;
        boolean sawTrue = false;
        boolean sawFalse = false;
        for (String s : v) {
            switch (s.toLowerCase()) {
                case "true", "1" -> sawTrue = true;
                case "false", "0" -> sawFalse = true;
                default -> throw ApiException.badRequest("invalid filter '" + key + "=" + s + "'");
            }
        }
        return sawTrue || !sawFalse && dflt;
    }

    /** Label filters: {@code key} or {@code key=value}; all must match (MatchKVList). */
    public boolean matchLabels(String key, Map<String, String> labels) {
        for (String want : get(key)) {
            int eq = want.indexOf('=');
            if (eq < 0) {
                if (labels == null || !labels.containsKey(want)) return false;
            } else {
                String k = want.substring(0, eq);
                if (labels == null || !want.substring(eq + 1).equals(labels.get(k))) return false;
            }
        }
        return true;
    }

    /** {@code label!}: none may match. */
    public boolean matchNotLabels(String key, Map<String, String> labels) {
        for (String want : get(key)) {
            int eq = want.indexOf('=');
            if (labels == null) continue;
            if (eq < 0 ? labels.containsKey(want) : want.substring(eq + 1).equals(labels.get(want.substring(0, eq)))) return false;
        }
        return true;
    }
}
