package io.imaged.archive;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imaged.digest.Digest;
import io.imaged.layer.InvalidArchiveException;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An image config made from a legacy (v1) image's {@code <id>/json}, byte for byte as moby's
 * {@code image/v1.MakeConfigFromV1Config} and {@code HistoryFromConfig} make it (dockerd 20.10's legacy load): the v1
 * fields but {@code id}, {@code parent}, {@code Size}, {@code parent_id}, {@code layer_id} and {@code throwaway},
 * plus {@code rootfs} and {@code history}, top-level keys sorted (Go's map order), values compacted with Go's HTML
 * escaping, so a legacy archive gets the image IDs dockerd gives it.
 */
final class V1Config {
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");

    private V1Config() {
    }

    /** The history entry of one v1 image: created, author, the container's Cmd joined by spaces, comment. */
    static ObjectNode history(ObjectMapper json, JsonNode v1) {
        ObjectNode h = json.createObjectNode();
        h.put("created", goTime(v1.path("created").asText("")));
        putIfSet(h, "author", v1.path("author").asText(""));
        JsonNode cmd = v1.path("container_config").path("Cmd");
        List<String> parts = new ArrayList<>();
        if (cmd.isArray()) cmd.forEach(c -> parts.add(c.asText("")));
        else if (cmd.isTextual()) parts.add(cmd.asText());
        putIfSet(h, "created_by", String.join(" ", parts));
        putIfSet(h, "comment", v1.path("comment").asText(""));
        return h;
    }

    static byte[] make(ObjectMapper json, JsonNode v1, List<Digest> diffIds, List<ObjectNode> history) {
        if (!v1.isObject()) throw new InvalidArchiveException("invalid archive: a legacy image json is not a JSON object");
        Map<String, JsonNode> fields = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = v1.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            fields.put(e.getKey(), e.getValue());
        }
        for (String drop : List.of("id", "parent", "Size", "parent_id", "layer_id", "throwaway")) fields.remove(drop);
        ObjectNode rootfs = json.createObjectNode();
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        diffIds.forEach(d -> ids.add(d.toString()));
        fields.put("rootfs", rootfs);
        ArrayNode hist = json.createArrayNode();
        history.forEach(hist::add);
        fields.put("history", hist);
        ObjectNode out = json.createObjectNode();
        fields.forEach(out::set);
        try {
            return goEscape(json.writeValueAsString(out)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new InvalidArchiveException("invalid archive: " + e.getOriginalMessage());
        }
    }

    /** Go's encoder escapes <, >, & and U+2028/U+2029; in JSON text they only occur inside strings. */
    static String goEscape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("\\u003c");
                case '>' -> sb.append("\\u003e");
                case '&' -> sb.append("\\u0026");
                case '\u2028' -> sb.append("\\u2028");
                case '\u2029' -> sb.append("\\u2029");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** A time as Go's time.Time marshals it (RFC 3339 with nanoseconds, trailing zeros cut, Z for UTC); zero if absent. */
    static String goTime(String created) {
        if (created.isEmpty()) return "0001-01-01T00:00:00Z";
        OffsetDateTime t;
        try {
            t = OffsetDateTime.parse(created);
        } catch (DateTimeParseException e) {
            throw new InvalidArchiveException("invalid archive: legacy image created time " + created + ": " + e.getMessage());
        }
        StringBuilder sb = new StringBuilder(t.format(SECONDS));
        if (t.getNano() != 0) {
            String frac = String.format("%09d", t.getNano());
            int end = frac.length();
            while (frac.charAt(end - 1) == '0') end--;
            sb.append('.').append(frac, 0, end);
        }
        sb.append(t.getOffset().getTotalSeconds() == 0 ? "Z" : t.getOffset().getId());
        return sb.toString();
    }

    private static void putIfSet(ObjectNode n, String key, String value) {
        if (!value.isEmpty()) n.put(key, value);
    }
}
