package io.imaged.archive;

import io.imaged.image.SavedManifest;
import io.imaged.oci.MediaTypes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imaged.store.Image;
import io.imaged.reference.ImageReference;
import io.imaged.layer.Decompression;
import io.imaged.store.BlobStore;
import io.imaged.digest.Digest;
import io.imaged.store.Layer;
import io.imaged.oci.Descriptor;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Writes what Docker 25+ {@code docker save} writes: an OCI image layout ({@code oci-layout}, {@code index.json},
 * {@code blobs/sha256/...}) that also carries the classic {@code manifest.json} and {@code repositories}, so that
 * old and new docker load, podman and skopeo all read it. Each layer goes out once, as its stored gzip blob when it
 * has one (copied as it is: no inflating, half the bytes) or else as its plain tar named by diff ID
 * ({@link SavedManifest#blobOf}). Nothing is buffered beyond a copy block, and the config bytes are written
 * exactly as stored so that image IDs survive.
 */
public final class ArchiveWriter {
    private final BlobStore blobs;
    private final ObjectMapper json;

    /** One image to save: its config bytes as stored, its layers bottom-up and the tags to record. */
    public record Item(Image image, byte[] config, List<Layer> layers, List<ImageReference> tags) {
    }

    public ArchiveWriter(BlobStore blobs, ObjectMapper json) {
        this.blobs = blobs;
        this.json = json;
    }

    public void write(List<Item> items, OutputStream sink, Consumer<Item> saved) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new NonClosing(sink));
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        if (items.isEmpty()) {
            writeEmpty(tar);
            return;
        }
        dir(tar, "blobs/");
        dir(tar, "blobs/sha256/");
        Set<Digest> written = new HashSet<>();
        ArrayNode index = json.createArrayNode();
        ArrayNode manifest = json.createArrayNode();
        Map<String, Map<String, String>> repositories = new TreeMap<>();
        for (Item item : items) {
            Digest configDigest = item.image().id();
            if (written.add(configDigest)) file(tar, blobPath(configDigest), item.config());
            ArrayNode layerPaths = json.createArrayNode();
            for (Layer l : item.layers()) {
                Descriptor blob = SavedManifest.blobOf(l);
                if (written.add(blob.digest())) layer(tar, l, blob);
                layerPaths.add(blobPath(blob.digest()));
            }
            byte[] ociBytes = SavedManifest.bytes(item.image().id(), item.config().length, item.layers());
            Digest ociDigest = Digest.sha256(ociBytes);
            if (written.add(ociDigest)) file(tar, blobPath(ociDigest), ociBytes);

            ObjectNode entry = manifest.addObject();
            entry.put("Config", blobPath(configDigest));
            ArrayNode repoTags = json.createArrayNode();
            item.tags().forEach(t -> repoTags.add(t.familiarString()));
            if (repoTags.isEmpty()) entry.putNull("RepoTags");
            else entry.set("RepoTags", repoTags);
            entry.set("Layers", layerPaths);

            if (item.tags().isEmpty()) {
                index.add(descriptor(MediaTypes.OCI_MANIFEST, ociDigest, ociBytes.length));
            }
            for (ImageReference t : item.tags()) {
                ObjectNode d = descriptor(MediaTypes.OCI_MANIFEST, ociDigest, ociBytes.length);
                ObjectNode ann = d.putObject("annotations");
                ann.put("io.containerd.image.name", t.toString());
                ann.put("org.opencontainers.image.ref.name", t.tag());
                index.add(d);
                if (!item.layers().isEmpty()) {
                    repositories.computeIfAbsent(t.familiarName(), k -> new LinkedHashMap<>())
                            .put(t.tag(), item.layers().get(item.layers().size() - 1).diffId().hex());
                }
            }
            saved.accept(item);
        }
        ObjectNode idx = json.createObjectNode();
        idx.put("schemaVersion", 2);
        idx.put("mediaType", MediaTypes.OCI_INDEX);
        idx.set("manifests", index);
        file(tar, "index.json", json.writeValueAsBytes(idx));
        file(tar, "manifest.json", json.writeValueAsBytes(manifest));
        if (!repositories.isEmpty()) file(tar, "repositories", json.writeValueAsBytes(repositories));
        file(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        tar.finish();
        tar.flush();
    }

    /**
     * A save of no images ({@code GET /images/get} without {@code names}), as moby's tarexport writes it: Go's
     * encoding of nil slices — {@code manifest.json} is {@code null}, the index's {@code manifests} is {@code null} —
     * no {@code blobs/} and no {@code repositories}.
     */
    private void writeEmpty(TarArchiveOutputStream tar) throws IOException {
        ObjectNode idx = json.createObjectNode();
        idx.put("schemaVersion", 2);
        idx.put("mediaType", MediaTypes.OCI_INDEX);
        idx.putNull("manifests");
        file(tar, "index.json", json.writeValueAsBytes(idx));
        file(tar, "manifest.json", "null\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        file(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        tar.finish();
        tar.flush();
    }

    static String blobPath(Digest d) {
        return "blobs/sha256/" + d.hex();
    }

    private ObjectNode descriptor(String mediaType, Digest d, long size) {
        ObjectNode n = json.createObjectNode();
        n.put("mediaType", mediaType);
        n.put("digest", d.toString());
        n.put("size", size);
        return n;
    }

    private static void dir(TarArchiveOutputStream tar, String name) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(040755);
        e.setModTime(0);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
        TarArchiveEntry e = entry(name, bytes.length);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    private static TarArchiveEntry entry(String name, long size) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(0100644);
        e.setSize(size);
        e.setModTime(0);
        return e;
    }

    /**
     * Streams the blob {@link SavedManifest#blobOf} chose: a stored blob as it is (gzip, or the plain tar), or the
     * plain tar inflated from a layer stored only otherwise compressed.
     */
    private void layer(TarArchiveOutputStream tar, Layer l, Descriptor blob) throws IOException {
        tar.putArchiveEntry(entry(blobPath(blob.digest()), blob.size()));
        boolean stored = l.blobs().stream().anyMatch(b -> b.digest().equals(blob.digest()));
        long copied;
        try (InputStream raw = blobs.open(stored ? blob.digest() : l.blobs().get(0).digest());
             InputStream in = stored ? raw : Decompression.detect(raw)) {
            copied = copy(in, tar, blob.size());
        }
        if (copied != blob.size()) {
            // the entry header already promised these bytes: a short blob must abort the stream, not corrupt it
            throw new IOException("layer " + l.diffId() + " gave " + copied + " bytes, expected " + blob.size());
        }
        tar.closeArchiveEntry();
    }

    private static long copy(InputStream in, OutputStream out, long limit) throws IOException {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        int n;
        while (total < limit && (n = in.read(buf, 0, (int) Math.min(buf.length, limit - total))) > 0) {
            out.write(buf, 0, n);
            total += n;
        }
        return total;
    }

    private static final class NonClosing extends FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
