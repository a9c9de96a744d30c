package io.imaged.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.imaged.store.Image;

import java.util.List;
import java.util.Set;

/**
 * The {@code config} object of an image config, in the field order and with the empty values dockerd's
 * Go structs produce, so that configs imaged writes look like dockerd's.
 */
public final class ContainerConfig {
    /** Fields of the OCI image config that the v1.50 API returns; the rest are container-only leftovers. */
    public static final List<String> IMAGE_FIELDS = List.of("User", "ExposedPorts", "Env", "Entrypoint", "Cmd",
            "Volumes", "WorkingDir", "Labels", "StopSignal", "ArgsEscaped", "Healthcheck", "OnBuild", "Shell");
    /** Fields API < 1.50 always returned (empty), in Go struct order. */
    public static final List<String> LEGACY_FIELDS = List.of("Hostname", "Domainname", "User", "AttachStdin",
            "AttachStdout", "AttachStderr", "ExposedPorts", "Tty", "OpenStdin", "StdinOnce", "Env", "Cmd", "Healthcheck",
            "ArgsEscaped", "Image", "Volumes", "WorkingDir", "Entrypoint", "NetworkDisabled", "MacAddress", "OnBuild",
            "Labels", "StopSignal", "StopTimeout", "Shell");
    private static final Set<String> OMIT_EMPTY = Set.of("ExposedPorts", "Healthcheck", "ArgsEscaped",
            "NetworkDisabled", "MacAddress", "StopSignal", "StopTimeout", "Shell");

    private ContainerConfig() {
    }

    /** An empty config as Go marshals {@code container.Config{}}. */
    public static ObjectNode empty(ObjectMapper json) {
        ObjectNode n = json.createObjectNode();
        n.put("Hostname", "").put("Domainname", "").put("User", "")
                .put("AttachStdin", false).put("AttachStdout", false).put("AttachStderr", false)
                .put("Tty", false).put("OpenStdin", false).put("StdinOnce", false);
        n.putNull("Env");
        n.putNull("Cmd");
        n.put("Image", "");
        n.putNull("Volumes");
        n.put("WorkingDir", "");
        n.putNull("Entrypoint");
        n.putNull("OnBuild");
        n.putNull("Labels");
        return n;
    }

    /** Re-orders a config into Go struct order (fields set by changes were appended at the end). */
    public static ObjectNode goOrder(ObjectMapper json, ObjectNode in) {
        ObjectNode out = json.createObjectNode();
        for (String f : LEGACY_FIELDS) {
            JsonNode v = in.get(f);
            if (v == null) continue;
            if (OMIT_EMPTY.contains(f) && isEmpty(v)) continue;
            out.set(f, v);
        }
        in.fields().forEachRemaining(e -> {
            if (!out.has(e.getKey()) && !LEGACY_FIELDS.contains(e.getKey())) out.set(e.getKey(), e.getValue());
        });
        return out;
    }

    /**
     * The config as an API version shows it: from 1.50 only the image fields, empty ones omitted;
     * before that, every legacy field present.
     */
    public static JsonNode forApi(ObjectMapper json, JsonNode config, boolean v150OrNewer) {
        if (config == null || !config.isObject()) return v150OrNewer ? json.createObjectNode() : empty(json);
        ObjectNode out = json.createObjectNode();
        if (v150OrNewer) {
            for (String f : IMAGE_FIELDS) {
                JsonNode v = config.get(f);
                if (v != null && !isEmpty(v)) out.set(f, v);
            }
            return out;
        }
        ObjectNode base = empty(json);
        base.setAll((ObjectNode) config);
        return goOrder(json, base);
    }

    static boolean isEmpty(JsonNode v) {
        return v.isNull() || (v.isTextual() && v.asText().isEmpty()) || (v.isBoolean() && !v.asBoolean())
                || (v.isNumber() && v.asLong() == 0) || (v.isContainerNode() && v.isEmpty());
    }

    static ArrayNode strings(ObjectMapper json, List<String> values) {
        ArrayNode a = json.createArrayNode();
        values.forEach(a::add);
        return a;
    }
}
