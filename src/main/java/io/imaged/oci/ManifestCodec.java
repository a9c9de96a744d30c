package io.imaged.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.imaged.digest.Digest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads manifest and index bytes into {@link ManifestDocument}s, checking what every user of them relies on
 * (digests well-formed, arrays where arrays belong), and writes a schema2 manifest byte for byte as dockerd's
 * distribution library does. The bytes stay the truth: a digest is always of the bytes read or written here.
 */
public final class ManifestCodec {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ManifestCodec() {
    }

    /**
     * The media type of a manifest document: its own {@code mediaType} field wins over a generic Content-Type;
     * OCI documents may omit it (an index has {@code manifests}, a manifest has {@code config}); schema1 is told
     * by its {@code schemaVersion}. Bytes that are not JSON keep the Content-Type.
     */
    public static String mediaTypeOf(byte[] bytes, String contentType) {
        String ct = MediaTypes.base(contentType);
        try {
            JsonNode n = JSON.readTree(bytes);
            if (n == null) return ct;
            if (n.path("schemaVersion").asInt(0) == 1) return MediaTypes.DOCKER_SCHEMA1_SIGNED;
            String declared = n.path("mediaType").asText("");
            if (!declared.isEmpty()) return declared;
            if (MediaTypes.MANIFESTS.contains(ct)) return ct;
            if (n.has("manifests")) return MediaTypes.OCI_INDEX;
            if (n.has("config")) return MediaTypes.OCI_MANIFEST;
        } catch (IOException | RuntimeException notJson) {
            // fall back to the header
        }
        return ct;
    }

    /** Parses an image manifest or index of {@code mediaType} (see {@link #mediaTypeOf}). */
    public static ManifestDocument parse(byte[] bytes, String mediaType) throws InvalidManifestException {
        if (MediaTypes.isIndex(mediaType)) return parseIndex(bytes, mediaType);
        if (MediaTypes.isManifest(mediaType)) return parseManifest(bytes, mediaType);
        throw new InvalidManifestException("unsupported manifest media type " + mediaType);
    }

    public static ImageIndex parseIndex(byte[] bytes, String mediaType) throws InvalidManifestException {
        JsonNode n = tree(bytes);
        JsonNode manifests = n.get("manifests");
        if (manifests == null || !manifests.isArray()) throw new InvalidManifestException("invalid index: no manifests array");
        List<Descriptor> out = new ArrayList<>(manifests.size());
        for (JsonNode d : manifests) out.add(descriptor(d, "index entry"));
        return new ImageIndex(mediaType(n, mediaType), out);
    }

    public static ImageManifest parseManifest(byte[] bytes, String mediaType) throws InvalidManifestException {
        JsonNode n = tree(bytes);
        JsonNode config = n.get("config");
        if (config == null || !config.isObject()) throw new InvalidManifestException("invalid manifest: no config descriptor");
        JsonNode layers = n.get("layers");
        if (layers == null || !layers.isArray()) throw new InvalidManifestException("invalid manifest: no layers array");
        List<Descriptor> out = new ArrayList<>(layers.size());
        for (JsonNode l : layers) out.add(descriptor(l, "layer"));
        return new ImageManifest(mediaType(n, mediaType), descriptor(config, "config"), out);
    }

    private static String mediaType(JsonNode n, String given) {
        String declared = n.path("mediaType").asText("");
        return declared.isEmpty() ? given : declared;
    }

    private static JsonNode tree(byte[] bytes) throws InvalidManifestException {
        JsonNode n;
        try {
            n = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new InvalidManifestException("invalid manifest: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidManifestException("invalid manifest: " + e.getMessage());
        }
        if (n == null || !n.isObject()) throw new InvalidManifestException("invalid manifest: not a JSON object");
        return n;
    }

    /** One descriptor; a size the document leaves out is -1 (the caller decides whether it needs one). */
    private static Descriptor descriptor(JsonNode d, String what) throws InvalidManifestException {
        if (!d.isObject()) throw new InvalidManifestException("invalid manifest: bad descriptor: " + what + " is not an object");
        String digest = d.path("digest").asText("");
        if (!Digest.isValid(digest)) throw new InvalidManifestException("invalid manifest: bad descriptor: " + what + " has an invalid digest \"" + digest + "\"");
        JsonNode size = d.get("size");
        if (size != null && !size.isIntegralNumber()) throw new InvalidManifestException("invalid manifest: bad descriptor: " + what + " " + digest + " has an invalid size");
        JsonNode p = d.get("platform");
        Platform platform = p != null && p.isObject() ? platformOf(p) : null;
        Map<String, String> annotations = new LinkedHashMap<>();
        d.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText("")));
        return new Descriptor(d.path("mediaType").asText(""), Digest.parse(digest), size == null ? -1 : size.asLong(),
                platform, annotations);
    }

    /**
     * A descriptor's fields in the order Go's {@code ocispec.Descriptor} writes them (mediaType, digest, size,
     * annotations, platform), for JSON answers that echo one.
     */
    public static Map<String, Object> descriptorFields(Descriptor d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mediaType", d.mediaType());
        out.put("digest", d.digest().toString());
        out.put("size", d.size());
        if (!d.annotations().isEmpty()) out.put("annotations", d.annotations());
        if (d.platform() != null) out.put("platform", d.platform().fields());
        return out;
    }

    /**
     * The platform fields of an index entry's {@code platform} object or of an image config (both use the OCI
     * names: architecture, os, os.version, os.features, variant).
     */
    public static Platform platformOf(JsonNode p) {
        List<String> features = new ArrayList<>();
        p.path("os.features").forEach(f -> features.add(f.asText("")));
        return new Platform(p.path("os").asText(""), p.path("architecture").asText(""), p.path("variant").asText(""),
                p.path("os.version").asText(""), features);
    }

    /** The platform an image config names; an unreadable config is an invalid manifest's fault. */
    public static Platform configPlatform(byte[] config) throws InvalidManifestException {
        try {
            return platformOf(JSON.readTree(config));
        } catch (IOException e) {
            throw new InvalidManifestException("invalid image config: " + e.getMessage());
        }
    }

    /**
     * A Docker schema2 image manifest serialised exactly as dockerd's distribution library does
     * ({@code json.MarshalIndent(m, "", "   ")}: three-space indent, fields in struct order, no trailing newline), so
     * the same image pushed by imaged and by dockerd gets the same manifest bytes and digest.
     */
    public static byte[] writeSchema2(Descriptor config, List<Descriptor> layers) {
        StringBuilder sb = new StringBuilder(256 + layers.size() * 160);
        sb.append("{\n   \"schemaVersion\": 2,\n   \"mediaType\": ").append(quote(MediaTypes.DOCKER_MANIFEST)).append(",\n   \"config\": ");
        descriptor(sb, config, "   ");
        sb.append(",\n   \"layers\": ");
        if (layers.isEmpty()) {
            sb.append("[]");
        } else {
            sb.append("[\n");
            for (int i = 0; i < layers.size(); i++) {
                sb.append("      ");
                descriptor(sb, layers.get(i), "      ");
                if (i < layers.size() - 1) sb.append(',');
                sb.append('\n');
            }
            sb.append("   ]");
        }
        sb.append("\n}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The OCI image manifest {@code docker save} writes for an image (compact JSON: schemaVersion, mediaType, config,
     * layers; each descriptor mediaType, digest, size), so the manifest an image is listed with
     * ({@code GET /images/json?manifests=1}) is the one its saved archive carries.
     */
    public static byte[] writeOciManifest(Descriptor config, List<Descriptor> layers) {
        StringBuilder sb = new StringBuilder(160 + layers.size() * 140);
        sb.append("{\"schemaVersion\":2,\"mediaType\":").append(quote(MediaTypes.OCI_MANIFEST)).append(",\"config\":");
        compactDescriptor(sb, config);
        sb.append(",\"layers\":[");
        for (int i = 0; i < layers.size(); i++) {
            if (i > 0) sb.append(',');
            compactDescriptor(sb, layers.get(i));
        }
        sb.append("]}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void compactDescriptor(StringBuilder sb, Descriptor d) {
        sb.append("{\"mediaType\":").append(quote(d.mediaType())).append(",\"digest\":").append(quote(d.digest().toString()))
                .append(",\"size\":").append(d.size()).append('}');
    }

    private static void descriptor(StringBuilder sb, Descriptor d, String indent) {
        String inner = indent + "   ";
        sb.append("{\n").append(inner).append("\"mediaType\": ").append(quote(d.mediaType())).append(",\n")
                .append(inner).append("\"size\": ").append(d.size()).append(",\n")
                .append(inner).append("\"digest\": ").append(quote(d.digest().toString())).append('\n')
                .append(indent).append('}');
    }

    /** Media types and digests are plain ASCII tokens; anything else is escaped the way Go's encoder would. */
    private static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c < 0x20 || c == '<' || c == '>' || c == '&') sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        return sb.append('"').toString();
    }
}
