package io.imaged.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.digest.Digest;
import io.imaged.error.ImagedException;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What imaged keeps in memory of an image config (Docker image spec / OCI config): what listing, filters
 * and platform checks need. The bytes themselves are kept on disk as received; inspect and history parse
 * them again into a {@link Document}, so that twenty thousand images do not hold twenty thousand JSON trees.
 * {@code labels} is null when the config has no Labels object, as dockerd reports it.
 */
public record ImageConfig(Instant created, List<Digest> diffIds, Map<String, String> labels,
                          String os, String architecture, String variant) {
    public ImageConfig {
        // interned: the same few platform words are shared by every image (also when read back from the store index)
        os = os == null ? null : os.intern();
        architecture = architecture == null ? null : architecture.intern();
        variant = variant == null ? null : variant.intern();
        labels = labels == null ? null : Collections.unmodifiableMap(labels);
    }

    /** Parses and validates config bytes; throws {@link InvalidConfigException} on anything malformed. */
    public static ImageConfig parse(ObjectMapper json, byte[] bytes) {
        Document doc = document(json, bytes);
        JsonNode root = doc.root();
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
            String text = root.get("created").asText();
            try {
                created = Instant.parse(text);
            } catch (DateTimeParseException e) {
                try {
                    created = java.time.OffsetDateTime.parse(text).toInstant();
                } catch (DateTimeParseException e2) {
                    throw new InvalidConfigException("invalid image config: bad created time " + text);
                }
            }
        }
        Map<String, String> labels = null;
        JsonNode labelNode = root.path("config").path("Labels");
        if (labelNode.isObject()) {
            Map<String, String> l = new LinkedHashMap<>();
            labelNode.fields().forEachRemaining(e -> l.put(e.getKey(), e.getValue().asText()));
            labels = l;
        }
        return new ImageConfig(created, List.copyOf(diffIds), labels, doc.text("os"), doc.text("architecture"),
                doc.text("variant"));
    }

    /** Parses config bytes into a JSON tree for inspect and history. */
    public static Document document(ObjectMapper json, byte[] bytes) {
        JsonNode root;
        try {
            root = json.readTree(bytes);
        } catch (IOException e) {
            throw new InvalidConfigException("invalid image config: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException jp ? jp.getOriginalMessage() : e.getMessage()));
        }
        if (root == null || !root.isObject()) throw new InvalidConfigException("invalid image config: not a JSON object");
        return new Document(root);
    }

    /** A whole config as a JSON tree; lives for one request. */
    public record Document(JsonNode root) {
        public String text(String field) {
            JsonNode n = root.get(field);
            return n == null || n.isNull() ? "" : n.asText();
        }

        /** The {@code config} object (container config), or null. */
        public JsonNode containerConfig() {
            JsonNode n = root.get("config");
            return n == null || n.isNull() ? null : n;
        }

        public JsonNode history() {
            return root.path("history");
        }
    }

    public static class InvalidConfigException extends ImagedException {
        public InvalidConfigException(String message) {
            super(Kind.INVALID_ARGUMENT, message);
        }
    }
}
