package io.imaged.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imaged.digest.Digest;
import io.imaged.engine.ApiVersion;
import io.imaged.reference.ImageReference;
import io.imaged.store.Image;
import io.imaged.store.ImageConfig;
import io.imaged.store.Layer;
import io.imaged.store.Store;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** {@code GET /images/{name}/json} and {@code /history}, shaped per API version as dockerd shapes them. */
@Component
public class ImageInspector {
    /** Go's time.RFC3339Nano: fractional seconds without trailing zeros. */
    private static final DateTimeFormatter RFC3339_NANO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);
    private final Store store;
    private final ImageResolver resolver;
    private final ObjectMapper json;

    public ImageInspector(Store store, ImageResolver resolver, ObjectMapper json) {
        this.store = store;
        this.resolver = resolver;
        this.json = json;
    }

    public ObjectNode inspect(String name, ApiVersion v) {
        try (Store.Held held = store.read()) {
            Image img = resolver.resolve(name);
            ImageConfig c = img.config();
            ImageConfig.Document doc = document(img);
            JsonNode root = doc.root();
            ObjectNode out = json.createObjectNode();
            out.put("Id", img.id().toString());
            ArrayNode tags = out.putArray("RepoTags");
            ArrayNode digests = out.putArray("RepoDigests");
            for (ImageReference r : store.references().referencesTo(img.id())) {
                (r.hasDigest() ? digests : tags).add(r.familiarString());
            }
            out.put("Parent", img.parent() == null ? "" : img.parent().toString());
            out.put("Comment", doc.text("comment"));
            if (c.created() != null) out.put("Created", formatTime(c.created()));
            else if (v.lessThan("1.44")) out.put("Created", "0001-01-01T00:00:00Z");
            if (v.lessThan("1.45")) {
                out.put("Container", doc.text("container"));
                out.set("ContainerConfig", ContainerConfig.forApi(json, root.get("container_config"), false));
            }
            out.put("DockerVersion", doc.text("docker_version"));
            out.put("Author", doc.text("author"));
            out.set("Config", ContainerConfig.forApi(json, doc.containerConfig(), !v.lessThan("1.50")));
            out.put("Architecture", c.architecture());
            if (!c.variant().isEmpty()) out.put("Variant", c.variant());
            out.put("Os", c.os());
            if (!doc.text("os.version").isEmpty()) out.put("OsVersion", doc.text("os.version"));
            out.put("Size", img.size());
            if (v.lessThan("1.44")) out.put("VirtualSize", img.size());
            ObjectNode graph = out.putObject("GraphDriver");
            graph.putObject("Data");
            graph.put("Name", "imaged");
            ObjectNode rootfs = out.putObject("RootFS");
            rootfs.put("Type", "layers");
            ArrayNode layers = rootfs.putArray("Layers");
            c.diffIds().forEach(d -> layers.add(d.toString()));
            ObjectNode meta = out.putObject("Metadata");
            if (img.lastUpdated() != null) meta.put("LastTagTime", formatTime(img.lastUpdated()));
            else meta.put("LastTagTime", "0001-01-01T00:00:00Z");
            return out;
        }
    }

    public static String formatTime(Instant t) {
        String s = RFC3339_NANO.format(t);
        // trim trailing zeros of the fraction, and the dot if nothing is left
        int dot = s.indexOf('.');
        int end = s.length() - 1; // index of 'Z'
        int i = end - 1;
        while (i > dot && s.charAt(i) == '0') i--;
        return (i == dot ? s.substring(0, dot) : s.substring(0, i + 1)) + "Z";
    }

    private ImageConfig.Document document(Image img) {
        try {
            return ImageConfig.document(json, store.images().configBytes(img.id()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the config of " + img.id(), e);
        }
    }

    /** History, newest first; IDs filled in along the parent chain as dockerd does. */
    public List<ObjectNode> history(String name) {
        try (Store.Held held = store.read()) {
            Image img = resolver.resolve(name);
            List<ObjectNode> items = new ArrayList<>();
            int layer = 0;
            Digest chain = null;
            for (JsonNode h : document(img).history()) {
                long size = 0;
                if (!h.path("empty_layer").asBoolean(false) && layer < img.config().diffIds().size()) {
                    chain = Layer.chainId(chain, img.config().diffIds().get(layer++));
                    Layer l = store.layers().get(chain);
                    size = l == null ? 0 : l.size();
                }
                ObjectNode item = json.createObjectNode();
                item.put("Comment", h.path("comment").asText(""));
                long created = 0;
                if (h.hasNonNull("created")) {
                    try {
                        created = java.time.OffsetDateTime.parse(h.get("created").asText()).toEpochSecond();
                    } catch (RuntimeException ignored) {
                        created = 0;
                    }
                }
                item.put("Created", created);
                item.put("CreatedBy", h.path("created_by").asText(""));
                item.put("Id", "<missing>");
                item.put("Size", size);
                item.putNull("Tags");
                items.add(0, item);
            }
            Image cur = img;
            for (ObjectNode item : items) {
                item.put("Id", cur.id().toString());
                List<String> tags = new ArrayList<>();
                for (ImageReference r : store.references().referencesTo(cur.id())) if (!r.hasDigest()) tags.add(r.familiarString());
                if (tags.isEmpty()) item.putNull("Tags");
                else {
                    ArrayNode t = item.putArray("Tags");
                    tags.forEach(t::add);
                }
                if (cur.parent() == null) break;
                cur = store.images().get(cur.parent());
                if (cur == null) break;
            }
            return items;
        }
    }
}
