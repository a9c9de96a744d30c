package io.imaged.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.store.Digest;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What imaged reads out of an image config (Docker image spec / OCI config). The bytes themselves are
 * kept as received; this is only a parsed view of them.
 */
/** {@code labels} is null when the config has no Labels object, as dockerd reports it. */
public record ImageConfig(JsonNode root, Instant created, List<Digest> diffIds, Map<String, String> labels) {

    /** Parses and validates config bytes; throws {@link InvalidConfigException} on anything malformed. */
    public static ImageConfig parse(ObjectMapper json, byte[] bytes) {
        JsonNode root;
        try {
            root = json.readTree(bytes);
        } catch (IOException e) {
            throw new InvalidConfigException("invalid image config: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException jp ? jp.getOriginalMessage() : e.getMessage()));
        }
        if (root == null || !root.isObject()) throw new InvalidConfigException("invalid image config: not a JSON object");
        JsonNode rootfs = root.path("rootfs");
        if (!rootfs.isObject() || !"layers".equals(rootfs.path("type").asText())) {
            throw new InvalidConfigException("invalid image config: rootfs.type must be \"layers\"");
        }
        List<Digest> diffIds = new ArrayList<>();
        JsonNode ids = rootfs.path("diff_ids");
        if (!ids.isMissingNode() && !ids.isNull() && !ids.isArray()) {
            throw new InvalidConfigException("invalid image config: rootfs.diff_ids must be an array");
        }
        for (JsonNode id : ids) {
            try {
                diffIds.add(Digest.parse(id.asText()));
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException("invalid image config: bad diff ID " + id);
            }
        }
        Instant created = null;
        if (root.hasNonNull("created")) {
            try {
                created = Instant.parse(root.get("created").asText());
            } catch (DateTimeParseException e) {
                created = java.time.OffsetDateTime.parse(root.get("created").asText()).toInstant();
            }
        }
        Map<String, String> labels = null;
        JsonNode labelNode = root.path("config").path("Labels");
        if (labelNode.isObject()) {
            Map<String, String> l = new LinkedHashMap<>();
            labelNode.fields().forEachRemaining(e -> l.put(e.getKey(), e.getValue().asText()));
            labels = Collections.unmodifiableMap(l);
        }
        return new ImageConfig(root, created, List.copyOf(diffIds), labels);
    }

    public String text(String field) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? "" : n.asText();
    }

    public String architecture() {
        return text("architecture");
    }

    public String os() {
        return text("os");
    }

    public String variant() {
        return text("variant");
    }

    /** The {@code config} object (container config), or null. */
    public JsonNode containerConfig() {
        JsonNode n = root.get("config");
        return n == null || n.isNull() ? null : n;
    }

    public JsonNode history() {
        return root.path("history");
    }

    public static class InvalidConfigException extends io.imaged.api.ApiException {
        public InvalidConfigException(String message) {
            super(org.springframework.http.HttpStatus.BAD_REQUEST, message);
        }
    }
}
