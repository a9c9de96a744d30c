package io.imaged.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Tars;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Crashes (SIGKILL) of the packaged server in the middle of imports, then a restart on the same data root:
 * no half image, no dangling reference, no orphan layer or blob, no temp file may survive startup.
 */
@ImagedTest
@Order(1) // one of the longest: started first
class CrashRecoveryIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void killedWhileALargeLayerStreamsInLeavesNothingBehind(@Imaged ImagedProcess imaged, @Cli DockerCli docker) throws Exception {
        String kept = docker.run(new ByteArrayInputStream(Tars.of(Map.of("a.txt", "kept\n"))), "import", "-", "demo/kept:1")
                .ok().stdout().trim();

        // a 4 GiB single-file tar, generated as it is read; the server is killed after some MiB arrived
        CompletableFuture<DockerCli.Result> importing = CompletableFuture.supplyAsync(
                () -> docker.run(new BigTar(4L << 30), "import", "-", "demo/big:1"));
        Path tmp = imaged.dataRoot().resolve("blobs/tmp");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (bytesUnder(tmp) < (16 << 20) && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(bytesUnder(tmp)).as("the layer was streaming to a temp file").isGreaterThanOrEqualTo(16 << 20);
        imaged.kill();
        assertThat(importing.get(60, TimeUnit.SECONDS).exitCode()).isNotZero();
        assertThat(bytesUnder(tmp)).as("the crash left a temp file").isPositive();

        imaged.launch();
        assertThat(bytesUnder(tmp)).isZero();
        assertThat(docker.run("images", "-a", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").ok().lines())
                .containsExactly("demo/kept:1 " + kept);
        assertConsistent(imaged, docker);
        // the store still works: the same import goes through now
        docker.run(new ByteArrayInputStream(Tars.of(Map.of("b.txt", "after\n"))), "import", "-", "demo/big:1").ok();
        assertThat(docker.run("image", "prune", "-f").ok().stdout().trim()).isEqualTo("Total reclaimed space: 0B");
        imaged.stop();
    }

    @Test
    void killedAtRandomMomentsDuringImportsTagsAndRemovalsStaysConsistent(@Imaged ImagedProcess imaged, @Cli DockerCli docker)
            throws Exception {
        Random random = new Random(42);
        for (int round = 0; round < 4; round++) {
            AtomicBoolean stop = new AtomicBoolean();
            int r = round;
            CompletableFuture<Void> work = CompletableFuture.runAsync(() -> {
                for (int i = 0; !stop.get(); i++) {
                    byte[] tar = Tars.of(Map.of("f" + (i % 3) + ".txt", "round " + r + " file " + i + "\n", "shared.txt", "shared\n"));
                    docker.run(new ByteArrayInputStream(tar), "import", "-c", "LABEL round=" + r, "-", "demo/r" + r + ":" + i);
                    docker.run("tag", "demo/r" + r + ":" + i, "demo/alias:" + r);
                    if (i % 2 == 1) docker.run("rmi", "demo/r" + r + ":" + (i - 1));
                }
            });
            Thread.sleep(1500 + random.nextInt(2500));
            imaged.kill();
            stop.set(true);
            work.get(120, TimeUnit.SECONDS);
            imaged.launch();
            assertConsistent(imaged, docker);
        }
        imaged.stop();
    }

    /** What the API shows and what is on disk agree, and nothing on disk is unreachable. */
    private static void assertConsistent(ImagedProcess imaged, DockerCli docker) throws IOException {
        Path root = imaged.dataRoot();
        assertThat(bytesUnder(root.resolve("blobs/tmp"))).as("temp files after startup").isZero();

        Set<String> chainIds = new HashSet<>();
        List<String> ids = docker.run("images", "-a", "-q", "--no-trunc").ok().lines();
        for (String id : new HashSet<>(ids)) {
            JsonNode img = JSON.readTree(docker.run("image", "inspect", id).ok().stdout()).get(0);
            String chain = null;
            for (JsonNode diff : img.at("/RootFS/Layers")) {
                chain = chain == null ? diff.asText() : "sha256:" + sha256(chain + " " + diff.asText());
                chainIds.add(chain);
            }
        }
        // every tag names an image that is listed
        for (String ref : docker.run("images", "-a", "--format", "{{.Repository}}:{{.Tag}}").ok().lines()) {
            if (!ref.startsWith("<none>")) docker.run("image", "inspect", ref).ok();
        }
        // every stored layer belongs to an image, every blob to a layer; every image config on disk is listed
        Set<String> blobs = new HashSet<>();
        for (Path layer : list(root.resolve("layerdb/sha256"))) {
            JsonNode l = JSON.readTree(layer.toFile());
            assertThat(chainIds).as("orphan layer " + layer.getFileName()).contains(l.get("chainId").asText());
            l.get("blobs").forEach(b -> blobs.add(b.get("digest").asText()));
        }
        for (Path blob : list(root.resolve("blobs/sha256"))) {
            assertThat(blobs).as("orphan blob " + blob.getFileName()).contains("sha256:" + blob.getFileName());
        }
        Set<String> configs = new HashSet<>();
        for (Path c : list(root.resolve("image/content/sha256"))) configs.add("sha256:" + c.getFileName());
        assertThat(configs).containsExactlyInAnyOrderElementsOf(new HashSet<>(ids));
    }

    private static List<Path> list(Path d) throws IOException {
        if (!Files.isDirectory(d)) return List.of();
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }

    private static long bytesUnder(Path d) throws IOException {
        if (!Files.isDirectory(d)) return 0;
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException gone) {
                    return 0;
                }
            }).sum();
        }
    }

    private static String sha256(String s) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A tar of one file of {@code size} bytes, produced as it is read (never held in memory). */
    private static final class BigTar extends InputStream {
        private final byte[] header = new byte[512];
        private final long total;
        private long pos;

        BigTar(long fileSize) {
            TarArchiveEntry e = new TarArchiveEntry("big.bin");
            e.setSize(fileSize);
            e.setMode(0644);
            e.writeEntryHeader(header);
            total = 512 + fileSize;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= total) return -1;
            int n = (int) Math.min(len, total - pos);
            for (int i = 0; i < n; i++, pos++) b[off + i] = pos < 512 ? header[(int) pos] : (byte) (pos * 31);
            return n;
        }
    }
}
