package io.imaged.image;

import io.imaged.oci.Platform;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imaged.engine.Engine;
import io.imaged.error.ImagedException;
import io.imaged.events.EventBus;
import io.imaged.layer.LayerIngester;
import io.imaged.reference.ImageReference;
import io.imaged.store.Image;
import io.imaged.store.ImageCommit;
import io.imaged.store.Lease;
import io.imaged.store.Store;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;

/**
 * {@code POST /images/create?fromSrc=...}: a rootfs tar (plain, gzip, bzip2, xz, zstd) becomes a one-layer
 * image whose config is built as dockerd's ImportImage builds it.
 */
@Service
public class ImportService {
    private final Store store;
    private final LayerIngester ingester;
    private final ImageService images;
    private final EventBus events;
    private final ObjectMapper json;

    public ImportService(Store store, LayerIngester ingester, ImageService images, EventBus events, ObjectMapper json) {
        this.store = store;
        this.ingester = ingester;
        this.images = images;
        this.events = events;
        this.json = json;
    }

    /** What to import, validated before a byte of the body is read. */
    public record Request(ImageReference target, String message, List<String> changes, Platform platform) {
    }

    /** Checks repo, tag, changes and platform up front so that a bad request stores nothing. */
    public Request prepare(String repo, String tag, String src, String message, List<String> changes, String platform) {
        ImageReference target = null;
        if (repo != null && !repo.isEmpty()) {
            target = ImageReference.parse(repo);
            if (target.hasDigest()) throw ImagedException.invalid("cannot import digest reference");
            target.checkTaggable();
            if (tag != null && !tag.isEmpty()) {
                if (!ImageReference.isValidTag(tag)) throw ImagedException.invalid("invalid tag format");
                target = target.withTag(tag);
            }
            target = target.withDefaultTag();
        }
        Platform p = Platform.parse(platform);
        if (!p.os().equals("linux")) throw ImagedException.invalid("operating system is not supported");
        String msg = message == null || message.isEmpty() ? "Imported from " + src : message;
        // apply once now to reject invalid changes before reading the body
        new ChangeApplier(json).apply(ContainerConfig.empty(json), changes);
        return new Request(target, msg, changes, p);
    }

    public Image importTar(Request req, InputStream body) throws IOException {
        try (Lease lease = store.lease()) {
            LayerIngester.IngestedTar tar = ingester.storeTar(body, lease);
            ingester.register(null, tar, lease);
            byte[] config = buildConfig(req, tar.measurement().diffId().toString());
            // one hold for the image and its tag: a prune cannot take the image while it is still untagged
            try (Store.Held held = store.write()) {
                Image img = store.commit(ImageCommit.create(config)).image();
                // dockerd logs the tag before the import
                if (req.target() != null) images.addTag(req.target(), img.id());
                events.image("import", img.id().toString(), img.id().toString(), img.config().labels());
                return img;
            }
        }
    }

    private byte[] buildConfig(Request req, String diffId) throws IOException {
        ObjectNode cfg = ContainerConfig.empty(json);
        new ChangeApplier(json).apply(cfg, req.changes());
        String created = ImageInspector.formatTime(Instant.now());
        // field order of moby's image.Image / V1Image, so the bytes look like dockerd's
        ObjectNode root = json.createObjectNode();
        root.put("comment", req.message());
        root.put("created", created);
        root.put("docker_version", Engine.VERSION);
        root.set("config", ContainerConfig.goOrder(json, cfg));
        root.put("architecture", req.platform().architecture());
        if (!req.platform().variant().isEmpty()) root.put("variant", req.platform().variant());
        root.put("os", req.platform().os());
        ObjectNode rootfs = root.putObject("rootfs");
        rootfs.put("type", "layers");
        rootfs.putArray("diff_ids").add(diffId);
        ArrayNode history = root.putArray("history");
        history.addObject().put("created", created).put("comment", req.message());
        return json.writeValueAsBytes(root);
    }
}
