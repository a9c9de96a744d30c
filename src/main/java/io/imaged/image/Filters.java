package io.imaged.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.error.ImagedException;

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
                // dockerd 20.10 answers 500 with Go's JSON error; the v1.50 spec makes bad filters a 400
                throw ImagedException.invalid("invalid filters JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
            if (root == null || !root.isObject()) throw ImagedException.invalid(goUnmarshal(root, "map[string]map[string]bool"));
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
                    throw ImagedException.invalid(goUnmarshal(v, "map[string]bool"));
                }
                out.put(e.getKey(), vals);
            }
        }
        for (String key : out.keySet()) {
            if (!accepted.contains(key)) throw ImagedException.invalid("Invalid filter '" + key + "'");
        }
        return new Filters(out);
    }

    /** The words of Go's encoding/json for a value of the wrong JSON type, as dockerd reports them. */
    private static String goUnmarshal(JsonNode found, String goType) {
        String kind = found == null ? "null" : switch (found.getNodeType()) {
            case ARRAY -> "array";
            case STRING -> "string";
            case NUMBER -> "number";
            case BOOLEAN -> "bool";
            case OBJECT -> "object";
            default -> "null";
        };
        return "json: cannot unmarshal " + kind + " into Go value of type " + goType;
    }

    /** Rejects a filter key that this API version did not know yet (dockerd answers as for an unknown key). */
    public void rejectBefore(String key, io.imaged.engine.ApiVersion version, String since) {
        if (contains(key) && version.lessThan(since)) throw ImagedException.invalid("Invalid filter '" + key + "'");
    }

    /** These filters plus {@code value} under {@code key} (for the legacy singular {@code filter} parameter). */
    public Filters with(String key, String value) {
        Map<String, Set<String>> out = new LinkedHashMap<>(values);
        Set<String> vals = new LinkedHashSet<>(out.getOrDefault(key, Set.of()));
        vals.add(value);
        out.put(key, vals);
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
                // Go prints the value list as %v: [a b]
                default -> throw ImagedException.invalid("Invalid filter '" + key + "=[" + String.join(" ", v) + "]'");
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
