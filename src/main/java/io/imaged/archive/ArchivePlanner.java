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
import io.imaged.store.ImageConfig;
import io.imaged.reference.ImageReference;
import io.imaged.reference.InvalidReferenceException;
import io.imaged.layer.InvalidArchiveException;
import io.imaged.digest.Digest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads what an image archive holds before anything is stored: docker save's {@code manifest.json} or an OCI
 * layout's {@code index.json} (a nested index gives this platform's manifest), each image's config (parsed, diff
 * IDs matched to its layers) and its tags. Every fault is the archive's: an {@link InvalidArchiveException}.
 */
final class ArchivePlanner {
    /** manifest.json, index.json, configs and manifests: far larger than any real one. */
    static final long MAX_JSON = 16L << 20;
    private final ObjectMapper json;

    ArchivePlanner(ObjectMapper json) {
        this.json = json;
    }

    /** One image of the archive, checked but not yet stored. */
    record Planned(byte[] config, Digest id, ImageConfig parsed, List<String> layerPaths, List<Digest> layerBlobDigests,
                   List<ImageReference> tags, Digest parent, boolean legacy) {
        Planned(byte[] config, Digest id, ImageConfig parsed, List<String> layerPaths, List<Digest> layerBlobDigests,
                List<ImageReference> tags) {
            this(config, id, parsed, layerPaths, layerBlobDigests, tags, null, false);
        }
    }

    /** A layer this load stored (dockerd reports these as "Loading layer" unless quiet). */
    List<Planned> plan(ArchiveReader.Unpacked archive) throws IOException {
        if (archive.has("manifest.json")) return planDockerArchive(archive);
        if (archive.has("index.json")) return planOciLayout(archive);
        if (archive.has("repositories") || legacyDirectories(archive).stream().anyMatch(d -> archive.has(d + "/json"))) {
            return planLegacy(archive);
        }
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

    /** The top-level directories of an archive: in a legacy archive, one v1 image each ({@code <id>/json}, {@code <id>/layer.tar}). */
    private static java.util.SortedSet<String> legacyDirectories(ArchiveReader.Unpacked archive) {
        java.util.SortedSet<String> dirs = new java.util.TreeSet<>();
        for (String name : archive.names()) {
            int slash = name.indexOf('/');
            if (slash > 0) dirs.add(name.substring(0, slash));
        }
        return dirs;
    }

    /**
     * A legacy archive (docker 1.9 and older, many tools' fixtures): no manifest.json, one directory per v1 image and
     * a {@code repositories} file naming the tagged ones. As moby's tarexport {@code legacyLoad}: every directory is
     * an image, loaded after its parent chain; its config is made from the v1 json ({@link V1Config}) with the
     * parent's diff IDs and history plus its own layer's; its parent is the image its v1 parent became; then the
     * tags of {@code repositories} are set (a tag naming no image of the archive: {@code invalid target ID}).
     */
    private List<Planned> planLegacy(ArchiveReader.Unpacked archive) throws IOException {
        Map<String, Planned> loaded = new java.util.HashMap<>();
        List<Planned> out = new ArrayList<>();
        for (String dir : legacyDirectories(archive)) legacyImage(archive, dir, loaded, new java.util.HashSet<>(), out);
        JsonNode repositories = readJson(archive, "repositories");
        if (!repositories.isObject()) throw new InvalidArchiveException("invalid archive: repositories is not a JSON object");
        for (var repo : (Iterable<Map.Entry<String, JsonNode>>) repositories::fields) {
            if (!repo.getValue().isObject()) throw new InvalidArchiveException("invalid archive: malformed repositories entry " + repo.getKey());
            for (var tag : (Iterable<Map.Entry<String, JsonNode>>) repo.getValue()::fields) {
                Planned p = loaded.get(tag.getValue().asText(""));
                if (p == null) throw new InvalidArchiveException("invalid target ID: " + tag.getValue().asText(""));
                ImageReference r = parseTag(repo.getKey() + ":" + tag.getKey());
                if (!p.tags().contains(r)) p.tags().add(r);
            }
        }
        if (out.isEmpty()) throw new InvalidArchiveException("invalid archive: no manifest.json, index.json or legacy image found");
        return out;
    }

    private Planned legacyImage(ArchiveReader.Unpacked archive, String oldId, Map<String, Planned> loaded, java.util.Set<String> inProgress,
                                List<Planned> out) throws IOException {
        Planned done = loaded.get(oldId);
        if (done != null) return done;
        if (!inProgress.add(oldId)) throw new InvalidArchiveException("invalid archive: legacy image " + oldId + " is its own ancestor");
        if (inProgress.size() > 1000) throw new InvalidArchiveException("invalid archive: legacy parent chain longer than 1000 images");
        JsonNode v1 = readJson(archive, oldId + "/json");
        if (!v1.isObject()) throw new InvalidArchiveException("invalid archive: " + oldId + "/json is not a JSON object");
        String os = v1.path("os").asText("");
        if (!os.isEmpty() && !os.equals("linux")) throw new InvalidArchiveException("cannot load " + os + " image on linux");
        String parentId = v1.path("parent").asText("");
        Planned parent = parentId.isEmpty() ? null : legacyImage(archive, parentId, loaded, inProgress, out);
        List<Digest> diffIds = new ArrayList<>(parent == null ? List.of() : parent.parsed().diffIds());
        List<String> layers = new ArrayList<>(parent == null ? List.of() : parent.layerPaths());
        List<com.fasterxml.jackson.databind.node.ObjectNode> history = new ArrayList<>();
        if (parent != null) {
            for (JsonNode h : parseJson(parent.config(), parentId + "/json").path("history")) {
                history.add((com.fasterxml.jackson.databind.node.ObjectNode) h);
            }
        }
        String layerPath = oldId + "/layer.tar";
        diffIds.add(diffIdOf(archive.require(layerPath)));
        layers.add(layerPath);
        history.add(V1Config.history(json, v1));
        byte[] config = V1Config.make(json, v1, diffIds, history);
        Planned p = planned(config, layers, null, List.of());
        p = new Planned(p.config(), p.id(), p.parsed(), p.layerPaths(), null, p.tags(), parent == null ? null : parent.id(), true);
        loaded.put(oldId, p);
        inProgress.remove(oldId);
        out.add(p);
        return p;
    }

    /** A v1 layer's diff ID: the sha256 of its tar (decompressed when it is compressed), as dockerd's layer store hashes it. */
    private static Digest diffIdOf(Path layer) throws IOException {
        java.security.MessageDigest sha = Digest.newSha256();
        try (java.io.InputStream in = io.imaged.layer.Decompression.detect(Files.newInputStream(layer))) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
        }
        return Digest.fromHash(sha.digest());
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
}
