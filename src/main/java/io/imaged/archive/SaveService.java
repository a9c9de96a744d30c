package io.imaged.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.digest.Digest;
import io.imaged.error.ImagedException;
import io.imaged.events.EventBus;
import io.imaged.image.ImageResolver;
import io.imaged.oci.Platform;
import io.imaged.reference.ImageReference;
import io.imaged.reference.InvalidReferenceException;
import io.imaged.store.Image;
import io.imaged.store.Layer;
import io.imaged.store.Lease;
import io.imaged.store.Store;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code docker save}: names resolved as moby's tarexport parseNames does, then the archive streamed by
 * {@link ArchiveWriter} while a lease keeps every layer and blob it needs from garbage collection.
 */
@Service
public class SaveService {
    private static final Pattern HEX_PREFIX = Pattern.compile("(?:sha256:)?[a-f0-9]{1,64}");
    private final Store store;
    private final ImageResolver resolver;
    private final EventBus events;
    private final ObjectMapper json;

    public SaveService(Store store, ImageResolver resolver, EventBus events, ObjectMapper json) {
        this.store = store;
        this.resolver = resolver;
        this.events = events;
        this.json = json;
    }

    /** Everything a save needs, fixed before the first byte goes out so that errors are still plain 4xx. */
    public record Plan(List<ArchiveWriter.Item> items, Lease lease) implements AutoCloseable {
        @Override
        public void close() {
            lease.close();
        }
    }

    public Plan prepare(List<String> names, String platform) throws IOException {
        // no names: dockerd answers 200 with an archive of no images (manifest.json "null"), not an error
        if (names == null) names = List.of();
        Platform wanted = parsePlatform(platform);
        Map<Digest, List<ImageReference>> assoc = new LinkedHashMap<>();
        Lease lease = store.lease();
        try (Store.Held held = store.read()) {
            for (String name : names) addNamed(name, assoc);
            List<ArchiveWriter.Item> items = new ArrayList<>();
            for (var e : assoc.entrySet()) {
                Image img = store.images().get(e.getKey());
                if (wanted != null && !wanted.matches(img.config().os(), img.config().architecture(), img.config().variant())) {
                    throw ImagedException.notFound("image with reference " + img.id() + " was found but does not provide the specified platform ("
                            + wanted + ")");
                }
                List<Layer> layers = new ArrayList<>();
                for (Digest c : img.chainIds()) {
                    Layer l = store.layers().get(c);
                    if (l == null) throw new IOException("layer " + c + " of image " + img.id() + " is missing");
                    lease.layer(c);
                    l.blobs().forEach(b -> lease.blob(b.digest()));
                    layers.add(l);
                }
                items.add(new ArchiveWriter.Item(img, store.images().configBytes(img.id()), layers, e.getValue()));
            }
            return new Plan(items, lease);
        } catch (RuntimeException | IOException ex) {
            lease.close();
            throw ex;
        }
    }

    /** Streams the archive, logging a save event per image as dockerd does. */
    public void write(Plan plan, OutputStream out) throws IOException {
        new ArchiveWriter(store.blobs(), json).write(plan.items(), out,
                item -> events.image("save", item.image().id().toString(), item.image().id().toString(), item.image().config().labels()));
    }

    private void addNamed(String name, Map<Digest, List<ImageReference>> assoc) {
        if (name == null || name.isEmpty()) throw ImagedException.invalid("invalid reference format");
        ImageReference ref = null;
        boolean idLike = name.startsWith("sha256:") || HEX_PREFIX.matcher(name).matches() && name.length() == 64;
        if (!idLike) {
            try {
                ref = ImageReference.parse(name);
            } catch (InvalidReferenceException e) {
                if (!HEX_PREFIX.matcher(name).matches()) throw e;
            }
        }
        if (ref != null && !ref.hasTag() && !ref.hasDigest()) {
            // a bare repository name means every tag in it (moby: reference.IsNameOnly)
            String repo = ref.name();
            List<ImageReference> tagged = new ArrayList<>();
            for (var e : store.references().snapshot().entrySet()) {
                ImageReference r = ImageReference.parse(e.getKey());
                if (r.hasTag() && r.name().equals(repo)) {
                    tagged.add(r);
                    add(assoc, e.getValue(), r);
                }
            }
            if (!tagged.isEmpty()) return;
        }
        Image img = resolver.resolve(name);
        if (ref != null && !ImageResolver.isIdPrefix(img.id(), name)) {
            add(assoc, img.id(), ref.hasDigest() ? null : ref.withDefaultTag());
        } else {
            add(assoc, img.id(), null);
        }
    }

    private static void add(Map<Digest, List<ImageReference>> assoc, Digest id, ImageReference tag) {
        List<ImageReference> tags = assoc.computeIfAbsent(id, k -> new ArrayList<>());
        if (tag != null && !tags.contains(tag)) tags.add(tag);
    }

    /** The v1.48+ {@code platform} parameter: a JSON OCI platform, or an os/arch[/variant] string. */
    private Platform parsePlatform(String platform) {
        if (platform == null || platform.isBlank()) return null;
        String s = platform.trim();
        if (s.startsWith("{")) {
            try {
                JsonNode p = json.readTree(s);
                String os = p.path("os").asText("linux");
                String arch = p.path("architecture").asText("");
                String variant = p.path("variant").asText("");
                s = os + (arch.isEmpty() ? "" : "/" + arch + (variant.isEmpty() ? "" : "/" + variant));
            } catch (IOException e) {
                throw ImagedException.invalid("invalid platform: " + platform);
            }
        }
        return Platform.parse(s);
    }
}
