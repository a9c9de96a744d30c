package io.imaged.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.TestImages;
import io.imaged.testsupport.Tools;
import io.imaged.testsupport.WorkDir;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.imaged.testsupport.TestImages.SMALL_DIFF_IDS;
import static io.imaged.testsupport.TestImages.SMALL_IMAGE_ID;
import static io.imaged.testsupport.TestImages.SMALL_LAYER_BLOBS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * imaged's {@code docker save} carries pulled layers as the registry's gzip blobs (Docker's containerd image store
 * does the same); the archive must still load everywhere: in a real dockerd 20.10 (its own data root, vfs, on a
 * private socket), in podman and through skopeo — each ending with the image ID and diff IDs imaged has.
 */
@ImagedTest(tools = {"docker", "dockerd", "skopeo", "podman"})
class SaveInteropIT {
    @WorkDir
    static Path dir;
    @Registry
    static RegistryProcess registry;
    @Imaged
    static ImagedProcess imaged;
    static DockerCli docker;
    static Path archive;
    static Process dockerd;
    static final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void saveAPulledImage() throws Exception {
        TestImages.pushSmall(new RegistrySeeder(registry.url()), "interop/small", "1");
        docker = new DockerCli(imaged.dockerHost(), dir.resolve("cli"));
        String ref = registry.host() + "/interop/small:1";
        docker.run("pull", ref).ok();
        docker.run("tag", ref, "interop/small:1").ok();
        archive = dir.resolve("imaged.tar");
        docker.run("save", "-o", archive.toString(), "interop/small:1").ok();
    }

    @AfterAll
    static void stopDockerd() throws Exception {
        if (dockerd != null) {
            dockerd.destroy();
            if (!dockerd.waitFor(20, TimeUnit.SECONDS)) dockerd.destroyForcibly();
        }
    }

    @Test
    void theArchiveCarriesTheRegistrysGzipBlobsAsTheyAre() throws Exception {
        Map<String, byte[]> entries = new HashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(archive))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) if (e.isFile()) entries.put(e.getName(), in.readAllBytes());
        }
        JsonNode manifest = json.readTree(entries.get("manifest.json"));
        List<String> layers = new ArrayList<>();
        manifest.get(0).get("Layers").forEach(l -> layers.add(l.asText()));
        assertThat(layers).containsExactlyElementsOf(SMALL_LAYER_BLOBS.stream().map(h -> "blobs/sha256/" + h).toList());
        for (String l : layers) {
            byte[] blob = entries.get(l);
            assertThat(blob[0] & 0xff).as(l + " is gzip").isEqualTo(0x1f);
            assertThat(RegistrySeeder.sha256(blob)).isEqualTo("sha256:" + l.substring("blobs/sha256/".length()));
        }
    }

    @Test
    void dockerd2010LoadsItWithTheSameImageId() throws Exception {
        Tools.requireThat(isRoot(), "starts a private dockerd, which needs root");
        Path sock = startDockerd();
        DockerCli reference = new DockerCli("unix://" + sock, dir.resolve("ref-cli"));
        assertThat(reference.run("load", "-i", archive.toString()).ok().stdout()).contains("Loaded image: interop/small:1");
        assertThat(reference.run("image", "inspect", "--format", "{{.Id}} {{json .RootFS.Layers}}", "interop/small:1").ok().stdout().strip())
                .isEqualTo(SMALL_IMAGE_ID + " " + json.writeValueAsString(SMALL_DIFF_IDS));
    }

    @Test
    void podmanLoadsItWithTheSameImageId() throws Exception {
        Path storage = dir.resolve("podman");
        List<String> podman = List.of("podman", "--root", storage.resolve("root").toString(), "--runroot",
                storage.resolve("run").toString(), "--tmpdir", storage.resolve("tmp").toString(), "--storage-driver", "vfs");
        run(concat(podman, "load", "-i", archive.toString()));
        assertThat(run(concat(podman, "images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")).strip())
                .isEqualTo("docker.io/interop/small:1 " + SMALL_IMAGE_ID);
    }

    @Test
    void skopeoCopiesItOutWithTheSameConfigAndDiffIds() throws Exception {
        Path out = dir.resolve("skopeo-dir");
        // dir: keeps the config as it is (an OCI destination would convert it to an OCI config, another digest)
        run(List.of("skopeo", "copy", "docker-archive:" + archive, "dir:" + out));
        JsonNode manifest = json.readTree(out.resolve("manifest.json").toFile());
        assertThat(manifest.get("config").get("digest").asText()).isEqualTo(SMALL_IMAGE_ID);
        JsonNode config = json.readTree(blob(out, SMALL_IMAGE_ID).toFile());
        assertThat(RegistrySeeder.sha256(Files.readAllBytes(blob(out, SMALL_IMAGE_ID)))).isEqualTo(SMALL_IMAGE_ID);
        assertThat(json.convertValue(config.get("rootfs").get("diff_ids"), List.class)).isEqualTo(SMALL_DIFF_IDS);
    }

    private static Path blob(Path skopeoDir, String digest) {
        return skopeoDir.resolve(digest.substring("sha256:".length()));
    }

    private static Path startDockerd() throws Exception {
        Path root = dir.resolve("dockerd");
        // a short exec root: containerd's socket path under it must stay under 107 bytes
        Path exec = Files.createTempDirectory(Path.of("/tmp"), "dx");
        Path sock = root.resolve("docker.sock");
        Files.createDirectories(root);
        dockerd = new ProcessBuilder("dockerd", "--data-root", root.resolve("data").toString(), "--exec-root", exec.toString(),
                "--pidfile", root.resolve("dockerd.pid").toString(), "-H", "unix://" + sock, "--storage-driver", "vfs",
                "--iptables=false", "--ip6tables=false", "--bridge=none")
                .redirectErrorStream(true).redirectOutput(root.resolve("dockerd.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.exists(sock)) {
                try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    ch.connect(UnixDomainSocketAddress.of(sock));
                    return sock;
                } catch (IOException notYet) {
                    // listening soon
                }
            }
            if (!dockerd.isAlive()) break;
            Thread.sleep(100);
        }
        throw new AssertionError("dockerd did not start:\n" + Files.readString(root.resolve("dockerd.log")));
    }

    private static boolean isRoot() throws IOException, InterruptedException {
        return run(List.of("id", "-u")).strip().equals("0");
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not finish");
        }
        assertThat(p.exitValue()).as(cmd + ":\n" + out).isZero();
        return out;
    }
}
