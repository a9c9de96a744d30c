package io.imaged.archive;

import io.imaged.oci.PlatformMatcher;

import io.imaged.oci.Platform;

import io.imaged.oci.MediaTypes;

import io.imaged.oci.ManifestCodec;

import io.imaged.oci.InvalidManifestException;

import io.imaged.oci.ImageManifest;

import io.imaged.oci.ImageIndex;

import io.imaged.oci.Descriptor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.events.EventBus;
import io.imaged.store.Committed;
import io.imaged.store.Image;
import io.imaged.store.ImageCommit;
import io.imaged.store.ImageConfig;
import io.imaged.reference.ImageReference;
import io.imaged.reference.InvalidReferenceException;
import io.imaged.layer.InvalidArchiveException;
import io.imaged.layer.LayerIngester;
import io.imaged.digest.Digest;
import io.imaged.store.Layer;
import io.imaged.store.Lease;
import io.imaged.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code docker load}: reads archives written by dockerd (legacy and Docker 25+ layouts), podman and skopeo
 * (docker-archive and OCI layout). Three phases keep the store as it was on any error: the archive is unpacked
 * and every name, JSON document and reference checked; then the layers are stored and their diff IDs verified
 * under a lease; only then are layers registered, images created and tags set, under the store's write lock.
 */
@Service
public class LoadService {
    private static final Logger log = LoggerFactory.getLogger(LoadService.class);
    static final long MAX_JSON = 16L << 20;
    private final Store store;
    private final LayerIngester ingester;
    private final EventBus events;
    private final ObjectMapper json;

    public LoadService(Store store, LayerIngester ingester, EventBus events, ObjectMapper json) {
        this.store = store;
        this.ingester = ingester;
        this.events = events;
        this.json = json;
    }

    /** One image of the archive, checked but not yet stored. */
    record Planned(byte[] config, Digest id, ImageConfig parsed, List<String> layerPaths, List<Digest> layerBlobDigests,
                   List<ImageReference> tags) {
    }

    /** A layer this load stored (dockerd reports these as "Loading layer" unless quiet). */
    public record LoadedLayer(Digest diffId, long tarSize) {
    }

    /** What a load did: the layers it stored, in order, and the lines dockerd prints (tag moves, Loaded image...). */
    public record Result(List<LoadedLayer> layers, List<String> lines) {
    }

    public Result load(InputStream body) throws IOException {
        try (ArchiveReader.Unpacked archive = ArchiveReader.unpack(body, store.blobs().localTempDir())) {
            List<Planned> plan = plan(archive);
            boolean ok = false;
            try (Lease lease = store.lease()) {
                Map<Digest, LayerIngester.IngestedTar> ingested = ingestLayers(archive, plan, lease);
                List<String> lines = commit(plan, ingested, lease);
                ok = true;
                return new Result(ingested.values().stream()
                        .map(t -> new LoadedLayer(t.measurement().diffId(), t.measurement().tarSize())).toList(), lines);
            } finally {
                if (!ok) {
                    // blobs this load wrote and no image uses go again
                    try {
                        store.collectGarbage();
                    } catch (IOException e) {
                        log.warn("cleanup after a failed load: {}", e.toString());
                    }
                }
            }
        }
    }

    private List<Planned> plan(ArchiveReader.Unpacked archive) throws IOException {
        if (archive.has("manifest.json")) return planDockerArchive(archive);
        if (archive.has("index.json")) return planOciLayout(archive);
        throw new InvalidArchiveException("invalid archive: no manifest.json (docker-archive) or index.json (OCI layout) found");
    }

    private List<Planned> planDockerArchive(ArchiveReader.Unpacked archive) throws IOException {
        JsonNode manifest = readJson(archive, "manifest.json");
        if (!manifest.isArray()) throw new InvalidArchiveException("invalid archive: manifest.json is not a JSON array");
        List<Planned> out = new ArrayList<>();
        for (JsonNode m : manifest) {
            if (!m.isObject() || !m.path("Config").isTextual() || !(m.path("Layers").isArray() || m.path("Layers").isMissingNode() || m.path("Layers").isNull())) {
                throw new InvalidArchiveException("invalid archive: malformed manifest.json entry " + m);
            }
            byte[] config = readBytes(archive, m.get("Config").asText());
            List<String> layers = new ArrayList<>();
            for (JsonNode l : m.path("Layers")) {
                if (!l.isTextual()) throw new InvalidArchiveException("invalid archive: malformed layer path " + l);
                archive.require(l.asText());
                layers.add(l.asText());
            }
            List<ImageReference> tags = new ArrayList<>();
            JsonNode repoTags = m.path("RepoTags");
            if (!repoTags.isMissingNode() && !repoTags.isNull() && !repoTags.isArray()) {
                throw new InvalidArchiveException("invalid archive: RepoTags must be an array");
            }
            for (JsonNode t : repoTags) tags.add(parseTag(t.asText()));
            out.add(planned(config, layers, null, tags));
        }
        if (out.isEmpty()) throw new InvalidArchiveException("invalid archive: manifest.json lists no images");
        return out;
    }

    private List<Planned> planOciLayout(ArchiveReader.Unpacked archive) throws IOException {
        ImageIndex index = codec("index.json", () -> ManifestCodec.parseIndex(readBytes(archive, "index.json"), MediaTypes.OCI_INDEX));
        Map<Digest, Planned> byManifest = new java.util.LinkedHashMap<>();
        List<Planned> out = new ArrayList<>();
        for (Descriptor desc : index.manifests()) {
            Digest md = desc.digest();
            byte[] bytes = readBlob(archive, md);
            String mt = desc.mediaType().isEmpty() ? ManifestCodec.mediaTypeOf(bytes, "") : desc.mediaType();
            if (MediaTypes.isIndex(mt)) {
                // a nested index (multi-platform): take the manifest for this platform
                ImageIndex nested = codec(md.toString(), () -> ManifestCodec.parseIndex(bytes, mt));
                Descriptor chosen = PlatformMatcher.choose(nested.manifests(), Platform.host());
                if (chosen == null) throw new InvalidArchiveException("invalid archive: no manifest for " + Platform.host() + " in " + md);
                md = chosen.digest();
            }
            byte[] manifestBytes = md.equals(desc.digest()) ? bytes : readBlob(archive, md);
            ImageManifest manifest = codec(md.toString(), () -> ManifestCodec.parseManifest(manifestBytes, MediaTypes.OCI_MANIFEST));
            List<ImageReference> tags = new ArrayList<>();
            String name = desc.annotation("io.containerd.image.name");
            if (name.isEmpty()) {
                String ref = desc.annotation("org.opencontainers.image.ref.name");
                // a bare tag ("latest") names no repository; podman and skopeo write full names here
                if (ref.contains("/") || ref.contains(":")) name = ref;
            }
            if (!name.isEmpty()) tags.add(parseTag(name));
            Planned existing = byManifest.get(md);
            if (existing != null) {
                existing.tags().addAll(tags);
                continue;
            }
            byte[] config = readBlob(archive, manifest.config().digest());
            List<String> layers = new ArrayList<>();
            List<Digest> blobDigests = new ArrayList<>();
            for (Descriptor l : manifest.layers()) {
                Digest d = l.digest();
                String path = "blobs/" + d.algorithm() + "/" + d.hex();
                archive.require(path);
                layers.add(path);
                blobDigests.add(d);
            }
            Planned p = planned(config, layers, blobDigests, tags);
            byManifest.put(md, p);
            out.add(p);
        }
        if (out.isEmpty()) throw new InvalidArchiveException("invalid archive: index.json lists no images");
        return out;
    }

    private Planned planned(byte[] config, List<String> layers, List<Digest> blobDigests, List<ImageReference> tags) {
        ImageConfig parsed;
        try {
            parsed = ImageConfig.parse(json, config);
        } catch (RuntimeException e) {
            throw new InvalidArchiveException(e.getMessage());
        }
        if (parsed.diffIds().size() != layers.size()) {
            throw new InvalidArchiveException("invalid archive: config lists " + parsed.diffIds().size() + " diff IDs but the manifest "
                    + layers.size() + " layers");
        }
        return new Planned(config, Digest.sha256(config), parsed, layers, blobDigests, new ArrayList<>(tags));
    }

    private static ImageReference parseTag(String s) {
        try {
            ImageReference r = ImageReference.parse(s);
            if (r.hasDigest()) throw new InvalidArchiveException("invalid archive: cannot load a digest reference " + s);
            return r.withDefaultTag();
        } catch (InvalidReferenceException e) {
            throw new InvalidArchiveException("invalid archive: invalid reference " + s + ": " + e.getMessage());
        }
    }

    /** An OCI blob, verified against its digest. */
    private byte[] readBlob(ArchiveReader.Unpacked archive, Digest d) throws IOException {
        byte[] b = readBytes(archive, "blobs/" + d.algorithm() + "/" + d.hex());
        if (!Digest.sha256(b).equals(d)) throw new InvalidArchiveException("invalid archive: blob " + d + " does not match its digest");
        return b;
    }

    @FunctionalInterface
    private interface Parse<T> {
        T parse() throws IOException;
    }

    /** A manifest document of the archive, its faults worded as the archive's ({@code invalid archive: <file>: ...}). */
    private static <T> T codec(String what, Parse<T> parse) throws IOException {
        try {
            return parse.parse();
        } catch (InvalidManifestException e) {
            throw new InvalidArchiveException("invalid archive: " + what + ": " + e.getMessage());
        }
    }

    private JsonNode readJson(ArchiveReader.Unpacked archive, String name) throws IOException {
        return parseJson(readBytes(archive, name), name);
    }

    private JsonNode parseJson(byte[] b, String what) {
        try {
            JsonNode n = json.readTree(b);
            if (n == null) throw new InvalidArchiveException("invalid archive: " + what + " is empty");
            return n;
        } catch (IOException e) {
            throw new InvalidArchiveException("invalid archive: " + what + " is not valid JSON: "
                    + (e instanceof com.fasterxml.jackson.core.JsonProcessingException jp ? jp.getOriginalMessage() : e.getMessage()));
        }
    }

    private static byte[] readBytes(ArchiveReader.Unpacked archive, String name) throws IOException {
        Path f = archive.require(name);
        if (Files.size(f) > MAX_JSON) throw new InvalidArchiveException("invalid archive: " + name + " is larger than " + MAX_JSON + " bytes");
        return Files.readAllBytes(f);
    }

    /** Stores every layer the store does not have yet, verifying diff IDs (and OCI blob digests). */
    private Map<Digest, LayerIngester.IngestedTar> ingestLayers(ArchiveReader.Unpacked archive, List<Planned> plan, Lease lease) throws IOException {
        Map<Digest, LayerIngester.IngestedTar> done = new java.util.LinkedHashMap<>();
        for (Planned p : plan) {
            List<Digest> chains = io.imaged.store.LayerStore.chainIds(p.parsed().diffIds());
            // leased before they are looked up: a layer stored now stays stored until the images commit
            lease.layers(chains);
            for (int i = 0; i < chains.size(); i++) {
                Digest diffId = p.parsed().diffIds().get(i);
                if (done.containsKey(diffId)) continue;
                if (store.layers().exists(chains.get(i))) continue;
                Digest blobDigest = p.layerBlobDigests() == null ? null : p.layerBlobDigests().get(i);
                MessageDigest sha = Digest.newSha256();
                LayerIngester.IngestedTar tar;
                try (InputStream in = new DigestInputStream(Files.newInputStream(archive.require(p.layerPaths().get(i))), sha)) {
                    tar = ingester.storeTar(in, lease);
                    in.transferTo(java.io.OutputStream.nullOutputStream()); // the blob digest covers every byte
                }
                if (blobDigest != null && !Digest.fromHash(sha.digest()).equals(blobDigest)) {
                    throw new InvalidArchiveException("invalid archive: layer blob " + blobDigest + " does not match its digest");
                }
                if (!tar.measurement().diffId().equals(diffId)) {
                    throw new InvalidArchiveException("invalid archive: layer " + p.layerPaths().get(i) + " has diff ID "
                            + tar.measurement().diffId() + " but the config of " + p.id() + " says " + diffId);
                }
                done.put(diffId, tar);
            }
        }
        return done;
    }

    private List<String> commit(List<Planned> plan, Map<Digest, LayerIngester.IngestedTar> ingested, Lease lease) throws IOException {
        List<String> lines = new ArrayList<>();
        // dockerd collects "Loaded image ID" lines for every image and prints them all at the end when the
        // last image of the archive had no tags (its imageRefCount is reset per image); kept for parity
        List<String> idLines = new ArrayList<>();
        boolean lastHadTags = false;
        try (Store.Held held = store.write()) {
            for (Planned p : plan) {
                Digest parent = null;
                for (Digest diffId : p.parsed().diffIds()) {
                    Digest chain = Layer.chainId(parent, diffId);
                    if (!store.layers().exists(chain)) {
                        LayerIngester.IngestedTar tar = ingested.get(diffId);
                        if (tar == null) throw new IOException("layer " + diffId + " vanished during load");
                        ingester.register(parent, tar, lease);
                    }
                    parent = chain;
                }
                // dockerd's load sets tags without tag events (setLoadedTag)
                Committed c = store.commit(ImageCommit.create(p.config()).withReferences(p.tags()).withTagTime(Instant.now()));
                Image img = c.image();
                events.image("load", img.id().toString(), img.id().toString(), img.config().labels());
                idLines.add("Loaded image ID: " + img.id());
                lastHadTags = !p.tags().isEmpty();
                for (Committed.ReferenceChange t : c.references()) {
                    Digest prev = t.previous();
                    if (prev != null && !prev.equals(img.id())) {
                        lines.add("The image " + t.reference().familiarString() + " already exists, renaming the old one with ID " + prev + " to empty string");
                    }
                    lines.add("Loaded image: " + t.reference().familiarString());
                }
            }
            if (!lastHadTags) lines.addAll(idLines);
            return lines;
        }
    }
}
