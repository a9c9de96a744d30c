package io.imaged.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.testsupport.Cli;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import static io.imaged.testsupport.TestImages.SMALL_DIFF_IDS;
import static io.imaged.testsupport.TestImages.SMALL_IMAGE_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Clients that speak API 1.22 and older against the packaged imaged: skopeo 1.9 and podman 4.3 through their
 * {@code docker-daemon:} transport (Debian 12's, pinned to 1.22 by containers/image), and curl at {@code /v1.12} and
 * {@code /v1.22}. The image comes from a real docker-registry (imaged's docker.io mirror), pulled at 1.22.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ImagedTest(tools = "curl")
class OldClientsIT {
    @WorkDir
    static Path dir;
    @Registry
    static RegistryProcess registry;
    @Imaged(args = "--imaged.registry.mirrors=${registry.url}")
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;
    static final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void seed() throws Exception {
        RegistrySeeder seeder = new RegistrySeeder(registry.url());
        TestImages.pushSmall(seeder, "library/busybox", "latest");
        TestImages.pushSmall(seeder, "alpine", "3.10");
    }

    record Run(int exit, String out, String err) {
        Run ok() {
            assertThat(exit).as("exit code; stdout:\n" + out + "\nstderr:\n" + err).isZero();
            return this;
        }
    }

    static Run run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not finish within 5 minutes");
        }
        return new Run(p.exitValue(), out.join(), err.join());
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** curl over imaged's socket: {@code -w} puts the status and content type on the last line. */
    static Run curl(ImagedProcess daemon, String method, String path) throws IOException, InterruptedException {
        return run(List.of("curl", "-sS", "--unix-socket", daemon.socket().toString(), "-X", method,
                "-w", "\n%{http_code} %{content_type}", "http://localhost" + path)).ok();
    }

    @Test
    @Order(1)
    void aPullAtV122StreamsProgressAndStoresTheRegistrysImage() throws Exception {
        Run pull = curl(imaged, "POST", "/v1.22/images/create?fromImage=busybox&tag=latest");
        assertThat(pull.out()).contains("\"status\":\"Status: Downloaded newer image for busybox:latest\"")
                .endsWith("\n200 application/json");
        Run inspect = curl(imaged, "GET", "/v1.22/images/busybox:latest/json");
        assertThat(inspect.out()).endsWith("\n200 application/json");
        JsonNode image = json.readTree(inspect.out().substring(0, inspect.out().lastIndexOf('\n')));
        assertThat(image.path("Id").asText()).isEqualTo(SMALL_IMAGE_ID);
        assertThat(json.convertValue(image.path("RootFS").path("Layers"), List.class)).isEqualTo(SMALL_DIFF_IDS);
    }

    @Test
    @Order(2)
    void skopeoCopiesAnImageOutOfImagedIntoAnOciLayout() throws Exception {
        Tools.require("skopeo");
        Path layout = dir.resolve("oci-out");
        run(List.of("skopeo", "copy", "--src-daemon-host", imaged.dockerHost(),
                "docker-daemon:busybox:latest", "oci:" + layout + ":latest")).ok();
        JsonNode index = json.readTree(layout.resolve("index.json").toFile());
        assertThat(index.path("manifests")).hasSize(1);
        assertThat(index.path("manifests").get(0).path("annotations").path("org.opencontainers.image.ref.name").asText()).isEqualTo("latest");
        JsonNode manifest = json.readTree(blob(layout, index.path("manifests").get(0).path("digest").asText()).toFile());
        JsonNode config = json.readTree(blob(layout, manifest.path("config").path("digest").asText()).toFile());
        assertThat(json.convertValue(config.path("rootfs").path("diff_ids"), List.class)).isEqualTo(SMALL_DIFF_IDS);
        // and the layer blobs are those layers: each decompresses to the tar its diff ID names
        List<String> unpacked = new ArrayList<>();
        for (JsonNode layer : manifest.path("layers")) {
            Path blob = blob(layout, layer.path("digest").asText());
            try (InputStream in = layer.path("mediaType").asText().endsWith("gzip")
                    ? new GZIPInputStream(Files.newInputStream(blob)) : Files.newInputStream(blob)) {
                unpacked.add(RegistrySeeder.sha256(in.readAllBytes()));
            }
        }
        assertThat(unpacked).isEqualTo(SMALL_DIFF_IDS);
    }

    private static Path blob(Path layout, String digest) {
        Path p = layout.resolve("blobs").resolve("sha256").resolve(digest.substring("sha256:".length()));
        assertThat(p).exists();
        return p;
    }

    @Test
    @Order(3)
    void skopeoCopiesFromARegistryIntoImaged() throws Exception {
        Tools.require("skopeo");
        run(List.of("skopeo", "copy", "--src-tls-verify=false", "docker://" + registry.host() + "/alpine:3.10",
                "--dest-daemon-host", imaged.dockerHost(), "docker-daemon:probe/alpine:1")).ok();
        assertThat(docker.run("images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}", "probe/alpine").ok().lines())
                .containsExactly("probe/alpine:1 " + SMALL_IMAGE_ID);
    }

    @Test
    @Order(4)
    void podmanPullsFromImagedThroughTheDockerSocket() throws Exception {
        Tools.require("podman", "unshare", "mount");
        requireMountNamespaces();
        boolean hostSocketBefore = Files.exists(Path.of("/var/run/docker.sock"), java.nio.file.LinkOption.NOFOLLOW_LINKS);
        Path storage = dir.resolve("podman");
        List<String> podman = List.of("podman", "--root", storage.resolve("root").toString(), "--runroot",
                storage.resolve("run").toString(), "--tmpdir", storage.resolve("tmp").toString(), "--storage-driver", "vfs");
        // podman 4.3 reads only /var/run/docker.sock: in a private mount namespace, a tmpfs over /var/run holds a
        // file that imaged's socket is bound onto; the host's /var/run is never touched
        String script = "set -e; mount -t tmpfs tmpfs /var/run; touch /var/run/docker.sock; "
                + "mount --bind '" + imaged.socket() + "' /var/run/docker.sock; "
                + "exec " + String.join(" ", podman) + " pull docker-daemon:busybox:latest";
        run(List.of("unshare", "-m", "--propagation", "private", "sh", "-c", script)).ok();
        List<String> images = new ArrayList<>(podman);
        images.addAll(List.of("images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"));
        String listed = run(images).ok().out();
        assertThat(listed.lines().toList()).containsExactly("docker.io/library/busybox:latest " + SMALL_IMAGE_ID);
        assertThat(Files.exists(Path.of("/var/run/docker.sock"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isEqualTo(hostSocketBefore);
    }

    private static void requireMountNamespaces() throws Exception {
        Run probe = run(List.of("unshare", "-m", "--propagation", "private", "true"));
        if (probe.exit() == 0) return;
        String why = "needs private mount namespaces (root): unshare -m says " + probe.err().strip();
        if (Tools.inCi()) throw new AssertionError("CI: " + why);
        Assumptions.abort(why);
    }

    @Test
    @Order(5)
    void curlAtV112AndV122ListsInspectsTagsAndDeletes() throws Exception {
        for (String v : List.of("1.12", "1.22")) {
            String tag = "v" + v.replace('.', '-');
            assertThat(curl(imaged, "POST", "/v" + v + "/images/busybox:latest/tag?repo=old/curl&tag=" + tag + "&force=1").out())
                    .isEqualTo("\n201 ");
            Run list = curl(imaged, "GET", "/v" + v + "/images/json?filter=old/curl");
            assertThat(list.out()).contains("\"RepoTags\":[\"old/curl:" + tag + "\"", "\"Id\":\"" + SMALL_IMAGE_ID + "\"",
                    "\"VirtualSize\":").endsWith("\n200 application/json");
            assertThat(curl(imaged, "GET", "/v" + v + "/images/old/curl:" + tag + "/json").out())
                    .contains("\"Id\":\"" + SMALL_IMAGE_ID + "\"", "\"ContainerConfig\":").endsWith("\n200 application/json");
            assertThat(curl(imaged, "DELETE", "/v" + v + "/images/old/curl:" + tag).out())
                    .isEqualTo("[{\"Untagged\":\"old/curl:" + tag + "\"}]\n\n200 application/json");
            assertThat(curl(imaged, "DELETE", "/v" + v + "/images/old/curl:" + tag).out())
                    .isEqualTo("No such image: old/curl:" + tag + "\n\n404 text/plain;charset=UTF-8");
        }
        assertThat(curl(imaged, "GET", "/v1.11/images/json").out()).isEqualTo("client version 1.11 is too old. Minimum "
                + "supported API version is 1.12, please upgrade your client to a newer version\n\n400 text/plain;charset=UTF-8");
        assertThat(curl(imaged, "GET", "/v1.12/version").out()).contains("\"MinAPIVersion\":\"1.12\"");
        assertThat(docker.run("images", "-q", "--no-trunc", "busybox:latest").ok().stdout().strip()).isEqualTo(SMALL_IMAGE_ID);
    }

    @Test
    @Order(6)
    void aRaisedFloorRefusesOldClientsWithDockerdsWordsAndABadFloorStopsStartup(
            @Imaged(args = "--imaged.min-api-version=1.24") ImagedProcess floor) throws Exception {
        assertThat(curl(floor, "GET", "/v1.24/version").out()).contains("\"MinAPIVersion\":\"1.24\"");
        String tooOld = "client version 1.22 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version";
        assertThat(curl(floor, "GET", "/v1.22/images/json").out()).isEqualTo(tooOld + "\n\n400 text/plain;charset=UTF-8");
        if (Tools.find("skopeo") != null) {
            Run skopeo = run(List.of("skopeo", "copy", "--src-daemon-host", floor.dockerHost(),
                    "docker-daemon:busybox:latest", "oci:" + dir.resolve("oci-refused") + ":latest"));
            assertThat(skopeo.exit()).isNotZero();
            assertThat(skopeo.err()).contains("Error response from daemon: " + tooOld);
        }
        floor.stop();
        assertThatThrownBy(() -> ImagedProcess.start(dir.resolve("bad-floor"), "--imaged.min-api-version=1.11"))
                .isInstanceOf(IOException.class).hasMessageContaining("APPLICATION FAILED TO START")
                .hasMessageContaining("imaged.min-api-version").hasMessageContaining("the oldest API version imaged serves is 1.12");
    }
}
