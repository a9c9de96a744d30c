package io.imaged.store;

import io.imaged.digest.Digest;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the store holds in memory — every layer record and image — written when the store closes cleanly and read
 * at the next open instead of reading, hashing and parsing every config, metadata file and layer record, which is
 * most of a start with many images. The index is taken (read, then deleted) when the store opens, so a crash,
 * which writes none, always leads to the full recovery, with its rules unchanged. A stamp of the catalog
 * directories (their modification times: a config, layer record or blob added or removed changes them) guards
 * against changes made in between by anything else, an older imaged among them; a stamp that differs, a version
 * it does not know or a file that does not read means the full recovery too. What the index cannot show (a config
 * corrupted on disk, a blob deleted behind the store's back) is checked after the start ({@link Store}).
 * <p>
 * The file is a small binary format of the store's own ({@code DataOutputStream}): every digest once, as its 32
 * bytes, in a table the records point into. A start reads it before the JIT has compiled anything, and 20,000
 * images in JSON (17 MB, a databind per record) took seconds there; this is a few straight loops over 3 MB.
 */
record StoreIndex(Map<String, Long> stamp, List<Layer> layers, List<Image> images) {
    static final String FILE = "store-index";
    private static final int MAGIC = 0x494d4731; // "IMG1"
    static final int VERSION = 1;
    /** The directories whose modification times make the stamp, relative to the data root. */
    private static final List<String> STAMPED = List.of("image/content/sha256", "image/metadata/sha256", "layerdb/sha256",
            "blobs/sha256");

    StoreIndex {
        stamp = Map.copyOf(stamp);
        layers = List.copyOf(layers);
        images = List.copyOf(images);
    }

    /** The stamp of the data root as it is now. */
    static Map<String, Long> stampOf(Path root) {
        Map<String, Long> stamp = new LinkedHashMap<>();
        for (String dir : STAMPED) {
            long t;
            try {
                t = Files.getLastModifiedTime(root.resolve(dir)).to(TimeUnit.NANOSECONDS);
            } catch (IOException e) {
                t = -1;
            }
            stamp.put(dir, t);
        }
        return stamp;
    }

    /**
     * Reads and deletes the index under {@code root}; empty when there is none, or it is of another version, does not
     * read or does not match the data root's stamp now.
     */
    static Optional<StoreIndex> take(Path root) throws IOException {
        Path file = root.resolve(FILE);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        Files.delete(file);
        AtomicFiles.fsyncDirectory(root);
        StoreIndex index;
        try {
            index = read(new DataInputStream(new BufferedInputStream(new ByteArrayInputStream(bytes), 1 << 16)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        if (index == null || !index.stamp().equals(stampOf(root))) return Optional.empty();
        return Optional.of(index);
    }

    /** Writes the index of what the store holds now; call with the store held still and nothing left to change it. */
    void write(Path root) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(bytes, 1 << 16))) {
            write(out);
        }
        AtomicFiles.write(root.resolve(FILE), bytes.toByteArray());
    }

    private void write(DataOutputStream out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(stamp.size());
        for (var e : stamp.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeLong(e.getValue());
        }
        Map<Digest, Integer> table = new HashMap<>();
        List<Digest> digests = new ArrayList<>();
        for (Layer l : layers) {
            intern(table, digests, l.chainId(), l.diffId(), l.parent());
            for (LayerBlob b : l.blobs()) intern(table, digests, b.digest());
        }
        for (Image img : images) {
            intern(table, digests, img.id(), img.parent());
            img.config().diffIds().forEach(d -> intern(table, digests, d));
            img.chainIds().forEach(d -> intern(table, digests, d));
        }
        out.writeInt(digests.size());
        HexFormat hex = HexFormat.of();
        for (Digest d : digests) out.write(hex.parseHex(d.hex()));
        out.writeInt(layers.size());
        for (Layer l : layers) {
            ref(out, table, l.chainId());
            ref(out, table, l.diffId());
            ref(out, table, l.parent());
            out.writeLong(l.size());
            out.writeLong(l.tarSize());
            out.writeInt(l.blobs().size());
            for (LayerBlob b : l.blobs()) {
                ref(out, table, b.digest());
                text(out, b.mediaType());
                out.writeLong(b.size());
            }
        }
        out.writeInt(images.size());
        for (Image img : images) {
            ImageConfig c = img.config();
            ref(out, table, img.id());
            instant(out, c.created());
            refs(out, table, c.diffIds());
            if (c.labels() == null) {
                out.writeInt(-1);
            } else {
                out.writeInt(c.labels().size());
                for (var e : c.labels().entrySet()) {
                    text(out, e.getKey());
                    text(out, e.getValue());
                }
            }
            text(out, c.os());
            text(out, c.architecture());
            text(out, c.variant());
            refs(out, table, img.chainIds());
            ref(out, table, img.parent());
            out.writeLong(img.size());
            instant(out, img.lastUpdated());
        }
        out.writeInt(MAGIC); // the end: a file cut short never reads as whole
    }

    /** The index in {@code in}, or null when it is of another format version. */
    private static StoreIndex read(DataInputStream in) throws IOException {
        if (in.readInt() != MAGIC || in.readInt() != VERSION) return null;
        Map<String, Long> stamp = new LinkedHashMap<>();
        for (int i = in.readInt(); i > 0; i--) stamp.put(in.readUTF(), in.readLong());
        Digest[] digests = new Digest[in.readInt()];
        byte[] raw = new byte[32];
        for (int i = 0; i < digests.length; i++) {
            in.readFully(raw);
            digests[i] = Digest.fromHash(raw);
        }
        List<Layer> layers = new ArrayList<>();
        for (int n = in.readInt(); n > 0; n--) {
            Digest chain = ref(in, digests), diff = ref(in, digests), parent = ref(in, digests);
            long size = in.readLong(), tarSize = in.readLong();
            List<LayerBlob> blobs = new ArrayList<>();
            for (int b = in.readInt(); b > 0; b--) blobs.add(new LayerBlob(ref(in, digests), text(in), in.readLong()));
            layers.add(new Layer(chain, diff, parent, size, tarSize, blobs));
        }
        List<Image> images = new ArrayList<>();
        for (int n = in.readInt(); n > 0; n--) {
            Digest id = ref(in, digests);
            Instant created = instant(in);
            List<Digest> diffIds = refs(in, digests);
            Map<String, String> labels = null;
            int labelCount = in.readInt();
            if (labelCount >= 0) {
                labels = new LinkedHashMap<>();
                for (int l = labelCount; l > 0; l--) labels.put(text(in), text(in));
            }
            ImageConfig config = new ImageConfig(created, diffIds, labels, text(in), text(in), text(in));
            images.add(new Image(id, config, refs(in, digests), ref(in, digests), in.readLong(), instant(in)));
        }
        if (in.readInt() != MAGIC) throw new IOException("the store index is cut short");
        return new StoreIndex(stamp, layers, images);
    }

    private static void intern(Map<Digest, Integer> table, List<Digest> digests, Digest... ds) {
        for (Digest d : ds) {
            if (d != null && table.putIfAbsent(d, digests.size()) == null) digests.add(d);
        }
    }

    private static void ref(DataOutputStream out, Map<Digest, Integer> table, Digest d) throws IOException {
        out.writeInt(d == null ? -1 : table.get(d));
    }

    private static Digest ref(DataInputStream in, Digest[] digests) throws IOException {
        int i = in.readInt();
        return i < 0 ? null : digests[i];
    }

    private static void refs(DataOutputStream out, Map<Digest, Integer> table, List<Digest> ds) throws IOException {
        out.writeInt(ds.size());
        for (Digest d : ds) ref(out, table, d);
    }

    private static List<Digest> refs(DataInputStream in, Digest[] digests) throws IOException {
        int n = in.readInt();
        List<Digest> ds = new ArrayList<>(n);
        for (int i = 0; i < n; i++) ds.add(ref(in, digests));
        return List.copyOf(ds);
    }

    /** A string that may be null (a label value longer than writeUTF's 64 KB is written in full too). */
    private static void text(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String text(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) return null;
        byte[] utf8 = new byte[n];
        in.readFully(utf8);
        return new String(utf8, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void instant(DataOutputStream out, Instant t) throws IOException {
        out.writeBoolean(t != null);
        if (t != null) {
            out.writeLong(t.getEpochSecond());
            out.writeInt(t.getNano());
        }
    }

    private static Instant instant(DataInputStream in) throws IOException {
        return in.readBoolean() ? Instant.ofEpochSecond(in.readLong(), in.readInt()) : null;
    }
}
