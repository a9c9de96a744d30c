package io.imaged.testsupport;

import com.github.luben.zstd.ZstdOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Builds images for tests and uploads them with {@link RegistrySeeder}: layers (gzip, zstd or plain), a config
 * with the right diff IDs, a Docker schema2 or OCI manifest, and indexes over several platforms. Also replays the
 * exact image dockerd pushed in docs/reference/dockerd-registry-commands.md from the committed archives.
 */
public final class TestImages {
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

    /** The transcript's {@code 127.0.0.1:5000/test/small:1}, as dockerd 20.10 reported it. */
    public static final String SMALL_MANIFEST_DIGEST = "sha256:2bbc664969017757569a116f77e7b797ff03d6249b6370c8becb7ac6dbbdff42";
    public static final String SMALL_IMAGE_ID = "sha256:2f3d47ab14a55e02b2bdd3629c5ec8f36d44b26d3b9cb66f36eed0c13d838922";
    public static final List<String> SMALL_DIFF_IDS = List.of(
            "sha256:3be04c68fc6cddb87d3c58deec5b94a4b4c31507f2680e22ce74ae84193f9c6b",
            "sha256:18234d0e536fcca0e61973f9dfe1b97d5eb5e6123ccff85f727e4d09f8d008aa",
            "sha256:d079be59801bdcbac2016105f77fd8177337f19ace9af83fc16fa16a8cdc4319");
    public static final List<String> SMALL_LAYER_BLOBS = List.of(
            "c50cb82cfb01666f94b3c48a7e255c5ab0cd5d8b681ea2663e8429c852475f2c",
            "676e6a198f77d2310a00286bd28ef4d0ef9b2a4ec8f6896b3f6b338c82fcec63",
            "9d7e88958bb3b044c3ad1d815382169540b8cdbdd2bcb0d0154e2413131e2421");

    private TestImages() {
    }

    public enum Compression { GZIP, ZSTD, NONE }

    /** A layer blob and its media types. */
    public record Layer(byte[] blob, String dockerType, String ociType, String diffId) {
    }

    public static Layer layer(Map<String, String> files, Compression c) {
        byte[] tar = Tars.of(files);
        String diffId = RegistrySeeder.sha256(tar);
        try {
            return switch (c) {
                case GZIP -> new Layer(gzip(tar), "application/vnd.docker.image.rootfs.diff.tar.gzip",
                        "application/vnd.oci.image.layer.v1.tar+gzip", diffId);
                case ZSTD -> new Layer(zstd(tar), null, "application/vnd.oci.image.layer.v1.tar+zstd", diffId);
                case NONE -> new Layer(tar, "application/vnd.docker.image.rootfs.diff.tar",
                        "application/vnd.oci.image.layer.v1.tar", diffId);
            };
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    static byte[] zstd(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    /** A config for the layers, with a label and platform. */
    public static byte[] config(List<Layer> layers, String os, String arch, String variant, String label) {
        StringBuilder s = new StringBuilder();
        s.append("{\"architecture\":\"").append(arch).append("\",");
        s.append("\"config\":{\"Cmd\":[\"sh\"],\"Labels\":{\"test\":\"").append(label).append("\"}},");
        s.append("\"created\":\"2024-01-01T00:00:00Z\",");
        s.append("\"history\":[");
        for (int i = 0; i < layers.size(); i++) s.append(i > 0 ? "," : "").append("{\"created\":\"2024-01-01T00:00:00Z\",\"created_by\":\"layer ").append(i).append("\"}");
        s.append("],\"os\":\"").append(os).append("\",");
        s.append("\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[");
        for (int i = 0; i < layers.size(); i++) s.append(i > 0 ? "," : "").append('"').append(layers.get(i).diffId()).append('"');
        s.append("]}");
        if (variant != null && !variant.isEmpty()) s.append(",\"variant\":\"").append(variant).append('"');
        s.append('}');
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Uploads config and layers and returns the manifest bytes (Docker schema2 when {@code oci} is false). */
    public static byte[] manifest(RegistrySeeder seeder, String repo, byte[] config, List<Layer> layers, boolean oci)
            throws IOException, InterruptedException {
        String cfg = seeder.blob(repo, config);
        StringBuilder s = new StringBuilder();
        s.append("{\"schemaVersion\":2,\"mediaType\":\"").append(oci ? OCI_MANIFEST : DOCKER_MANIFEST).append("\",");
        s.append("\"config\":{\"mediaType\":\"").append(oci ? "application/vnd.oci.image.config.v1+json"
                : "application/vnd.docker.container.image.v1+json").append("\",\"size\":").append(config.length)
                .append(",\"digest\":\"").append(cfg).append("\"},\"layers\":[");
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            String d = seeder.blob(repo, l.blob());
            String mt = oci || l.dockerType() == null ? l.ociType() : l.dockerType();
            s.append(i > 0 ? "," : "").append("{\"mediaType\":\"").append(mt).append("\",\"size\":").append(l.blob().length)
                    .append(",\"digest\":\"").append(d).append("\"}");
        }
        s.append("]}");
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** What {@link #noisyImage} uploaded: the manifest (not put under any tag), the config's and the big blob's digests. */
    public record NoisyImage(byte[] manifest, String configDigest, String bigBlobDigest, int bigBlobSize) {
    }

    /**
     * Uploads the blobs of a two-layer image whose first layer is a 1 MiB incompressible blob (random bytes from
     * {@code seed}) and the second a small file naming {@code seed}; the label is {@code repo}.
     */
    public static NoisyImage noisyImage(RegistrySeeder seeder, String repo, long seed) throws IOException, InterruptedException {
        byte[] noise = new byte[1 << 20];
        new java.util.Random(seed).nextBytes(noise);
        Layer big = layer(Map.of("big.bin", new String(noise, StandardCharsets.ISO_8859_1)), Compression.GZIP);
        Layer small = layer(Map.of("small.txt", "small " + seed + "\n"), Compression.GZIP);
        byte[] cfg = config(List.of(big, small), "linux", "amd64", null, repo);
        byte[] manifest = manifest(seeder, repo, cfg, List.of(big, small), false);
        return new NoisyImage(manifest, RegistrySeeder.sha256(cfg), RegistrySeeder.sha256(big.blob()), big.blob().length);
    }

    /** An index entry. */
    public record Entry(byte[] manifest, String mediaType, String os, String arch, String variant) {
    }

    public static byte[] index(List<Entry> entries, boolean oci) {
        StringBuilder s = new StringBuilder();
        s.append("{\"schemaVersion\":2,\"mediaType\":\"").append(oci ? OCI_INDEX : DOCKER_LIST).append("\",\"manifests\":[");
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            s.append(i > 0 ? "," : "").append("{\"mediaType\":\"").append(e.mediaType()).append("\",\"size\":")
                    .append(e.manifest().length).append(",\"digest\":\"").append(RegistrySeeder.sha256(e.manifest()))
                    .append("\",\"platform\":{\"architecture\":\"").append(e.arch()).append("\",\"os\":\"").append(e.os()).append('"');
            if (e.variant() != null) s.append(",\"variant\":\"").append(e.variant()).append('"');
            s.append("}}");
        }
        s.append("]}");
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Uploads the transcript's image exactly as dockerd pushed it (config from the skopeo docker-archive, the
     * registry's gzip blobs from the skopeo OCI archive, schema2 manifest in distribution's 3-space layout) and tags
     * it; the manifest digest is {@link #SMALL_MANIFEST_DIGEST}.
     */
    public static String pushSmall(RegistrySeeder seeder, String repo, String... tags) throws IOException, InterruptedException {
        Map<String, byte[]> docker = entries("/archives/skopeo-docker-archive.tar");
        Map<String, byte[]> oci = entries("/archives/skopeo-oci-archive.tar");
        byte[] config = docker.get(SMALL_IMAGE_ID.substring(7) + ".json");
        seeder.blob(repo, config);
        List<String> parts = new ArrayList<>();
        for (String hex : SMALL_LAYER_BLOBS) {
            byte[] blob = oci.get("blobs/sha256/" + hex);
            seeder.blob(repo, blob);
            parts.add("      {\n         \"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\",\n         \"size\": "
                    + blob.length + ",\n         \"digest\": \"sha256:" + hex + "\"\n      }");
        }
        String m = "{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"" + DOCKER_MANIFEST + "\",\n   \"config\": {\n"
                + "      \"mediaType\": \"application/vnd.docker.container.image.v1+json\",\n      \"size\": " + config.length
                + ",\n      \"digest\": \"" + SMALL_IMAGE_ID + "\"\n   },\n   \"layers\": [\n" + String.join(",\n", parts)
                + "\n   ]\n}";
        byte[] bytes = m.getBytes(StandardCharsets.UTF_8);
        String digest = null;
        for (String t : tags) digest = seeder.manifest(repo, t, DOCKER_MANIFEST, bytes);
        if (!SMALL_MANIFEST_DIGEST.equals(digest)) throw new IllegalStateException("replayed manifest has digest " + digest);
        return digest;
    }

    /** The files of a test archive by path. */
    public static Map<String, byte[]> entries(String resource) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream raw = TestImages.class.getResourceAsStream(resource);
             TarArchiveInputStream tar = new TarArchiveInputStream(raw)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (e.isFile()) out.put(e.getName().replaceFirst("^\\./", ""), tar.readAllBytes());
            }
        }
        return out;
    }
}
