package io.imaged.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.PushResponseItem;
import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryHttp;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.Tars;
import io.imaged.testsupport.UploadFaultProxy;
import io.imaged.testsupport.WorkDir;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Push between real registries: digests survive a pull → push round trip, mounts from the pulled repository,
 * htpasswd credentials from {@code docker login}, wrong credentials, a registry failing an upload once, a proxy
 * that refuses large bodies (chunked upload), and docker-java.
 */
@ImagedTest
class PushRegistryIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @WorkDir
    static Path dir;
    @Imaged
    static ImagedProcess imaged;
    @Registry
    static RegistryProcess a;
    @Registry
    static RegistryProcess b;
    @Registry(user = "alice", password = "s3cret")
    static RegistryProcess secured;
    @Cli
    static DockerCli docker;

    /** Seeds registry A with an image imaged never saw: gzip level 9, compact OCI manifest (so a rebuilt one would differ). */
    private static String seedForeignImage(RegistryHttp reg, String repo, String tag) throws IOException {
        List<String> layerDigests = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        List<String> diffIds = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            byte[] tar = Tars.of(Map.of("layer" + i + "/file.txt", "content of layer " + i + "\n"));
            diffIds.add(RegistryHttp.sha256(tar));
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(gz) {
                {
                    def.setLevel(9);
                }
            }) {
                out.write(tar);
            }
            layerDigests.add(reg.putBlob(repo, gz.toByteArray()));
            sizes.add((long) gz.size());
        }
        String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"],\"Labels\":{\"origin\":\"foreign\"}},"
                + "\"created\":\"2024-01-02T03:04:05Z\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffIds.get(0) + "\",\""
                + diffIds.get(1) + "\"]}}";
        byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
        String configDigest = reg.putBlob(repo, configBytes);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{"
                + "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest + "\",\"size\":" + configBytes.length
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + layerDigests.get(0)
                + "\",\"size\":" + sizes.get(0) + "},{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\""
                + layerDigests.get(1) + "\",\"size\":" + sizes.get(1) + "}]}";
        return reg.putManifest(repo, tag, "application/vnd.oci.image.manifest.v1+json", manifest.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void pulledImagePushedElsewhereKeepsItsManifestDigest() throws Exception {
        RegistryHttp regA = new RegistryHttp(a.url());
        RegistryHttp regB = new RegistryHttp(b.url());
        String digestA = seedForeignImage(regA, "test/foreign", "1");

        docker.run("pull", a.host() + "/test/foreign:1").ok();
        docker.run("tag", a.host() + "/test/foreign:1", b.host() + "/test/copy:1").ok();
        DockerCli.Result push = docker.run("push", b.host() + "/test/copy:1").ok();
        assertThat(push.stdout()).contains("1: digest: " + digestA + " size: " + regA.manifest("test/foreign", "1").bytes().length);
        assertThat(push.stdout().lines().filter(l -> l.endsWith(": Pushed")).count()).isEqualTo(2);

        RegistryHttp.Manifest atB = regB.manifest("test/copy", "1");
        assertThat(atB.digest()).isEqualTo(digestA);
        assertThat(atB.bytes()).isEqualTo(regA.manifest("test/foreign", "1").bytes());
        assertThat(atB.mediaType()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
        for (JsonNode l : JSON.readTree(atB.bytes()).path("layers")) {
            assertThat(regB.blobStatus("test/copy", l.path("digest").asText())).isEqualTo(200);
        }
        assertThat(docker.run("image", "inspect", "--format", "{{json .RepoDigests}}", b.host() + "/test/copy:1").ok().stdout())
                .contains(a.host() + "/test/foreign@" + digestA, b.host() + "/test/copy@" + digestA);

        // back to registry A, other repository: the layers are mounted from where they were pulled
        docker.run("tag", a.host() + "/test/foreign:1", a.host() + "/test/mirror:1").ok();
        DockerCli.Result mount = docker.run("push", a.host() + "/test/mirror:1").ok();
        assertThat(mount.stdout().lines().filter(l -> l.endsWith(": Mounted from test/foreign")).count()).as(mount.stdout()).isEqualTo(2);
        assertThat(regA.manifest("test/mirror", "1").digest()).isEqualTo(digestA);
    }

    @Test
    void loginCredentialsArePassedAndWrongOnesFail() throws Exception {
        String host = secured.host();
        byte[] tar = Tars.of(Map.of("secret.txt", "classified\n"));
        docker.run(new ByteArrayInputStream(tar), "import", "-", host + "/team/app:1").ok();

        DockerCli.Result anonymous = docker.run("push", host + "/team/app:1");
        assertThat(anonymous.exitCode()).isEqualTo(1);
        assertThat(anonymous.stderr()).contains("unauthorized: authentication required");

        docker.run(new ByteArrayInputStream("s3cret".getBytes()), "login", "-u", "alice", "--password-stdin", host).ok();
        DockerCli.Result ok = docker.run("push", host + "/team/app:1").ok();
        assertThat(ok.stdout()).contains(": Pushed", "1: digest: sha256:");
        RegistryHttp.Manifest stored = new RegistryHttp(secured.url(), "alice", "s3cret").manifest("team/app", "1");
        assertThat(stored.status()).isEqualTo(200);
        assertThat(ok.stdout()).contains("1: digest: " + stored.digest());
        docker.run("logout", host).ok();

        // credentials the registry refuses (stored as docker login would have stored them)
        Path wrongConfig = dir.resolve("wrong-config");
        Files.createDirectories(wrongConfig);
        String auth = Base64.getEncoder().encodeToString("alice:wrong".getBytes(StandardCharsets.UTF_8));
        Files.writeString(wrongConfig.resolve("config.json"), "{\"auths\":{\"" + host + "\":{\"auth\":\"" + auth + "\"}}}");
        DockerCli wrong = new DockerCli(imaged.dockerHost(), wrongConfig);
        docker.run("tag", host + "/team/app:1", host + "/team/other:1").ok();
        DockerCli.Result refused = wrong.run("push", host + "/team/other:1");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stderr()).contains("unauthorized: authentication required");
        assertThat(new RegistryHttp(secured.url(), "alice", "s3cret").manifest("team/other", "1").status()).isEqualTo(404);
    }

    @Test
    void uploadFailingOnceIsRetried() throws Exception {
        try (UploadFaultProxy proxy = new UploadFaultProxy(a.url())) {
            proxy.failFirst(1, 500, r -> r.startsWith("PUT ") && r.contains("/blobs/uploads/"));
            byte[] tar = Tars.of(Map.of("flaky.txt", "retry me\n"));
            docker.run(new ByteArrayInputStream(tar), "import", "-", proxy.host() + "/test/flaky:1").ok();
            DockerCli.Result push = docker.run("push", proxy.host() + "/test/flaky:1").ok();
            assertThat(push.stdout()).contains(": Pushed", "1: digest: sha256:");
            assertThat(proxy.log()).anyMatch(l -> l.startsWith("PUT ") && l.endsWith("-> 500 (injected)"));
            assertThat(proxy.log()).anyMatch(l -> l.startsWith("PUT ") && l.contains("/blobs/uploads/") && l.endsWith("-> 201"));
            assertThat(new RegistryHttp(a.url()).manifest("test/flaky", "1").status()).isEqualTo(200);
        }
    }

    @Test
    void registryRefusingLargeBodiesGetsChunks() throws Exception {
        try (UploadFaultProxy proxy = new UploadFaultProxy(a.url())) {
            proxy.limitBodies(1 << 20);
            byte[] noise = new byte[3 << 20];
            new Random(42).nextBytes(noise); // incompressible: the gzip blob stays ~3 MB
            String text = Base64.getEncoder().encodeToString(noise);
            byte[] tar = Tars.of(Map.of("big.bin", text));
            docker.run(new ByteArrayInputStream(tar), "import", "-", proxy.host() + "/test/big:1").ok();
            DockerCli.Result push = docker.run("push", proxy.host() + "/test/big:1").ok();
            assertThat(push.stdout()).contains(": Pushed", "1: digest: sha256:");
            assertThat(proxy.log()).anyMatch(l -> l.startsWith("PUT ") && l.endsWith("-> 413 (injected)"));
            assertThat(proxy.log().stream().filter(l -> l.startsWith("PATCH ") && l.endsWith("-> 202")).count()).isGreaterThanOrEqualTo(3);
            RegistryHttp.Manifest m = new RegistryHttp(a.url()).manifest("test/big", "1");
            assertThat(m.status()).isEqualTo(200);
            String layer = JSON.readTree(m.bytes()).path("layers").get(0).path("digest").asText();
            assertThat(new RegistryHttp(a.url()).blobStatus("test/big", layer)).isEqualTo(200);
        }
    }

    @Test
    void dockerJavaPushes(@Cli DockerClient client) throws Exception {
        byte[] tar = Tars.of(Map.of("java.txt", "from docker-java\n"));
        docker.run(new ByteArrayInputStream(tar), "import", "-", b.host() + "/test/java:1").ok();
        List<PushResponseItem> items = new ArrayList<>();
        client.pushImageCmd(b.host() + "/test/java").withTag("1").withAuthConfig(new AuthConfig())
                .exec(new ResultCallback.Adapter<PushResponseItem>() {
                    @Override
                    public void onNext(PushResponseItem item) {
                        items.add(item);
                    }
                }).awaitCompletion(2, TimeUnit.MINUTES);
        assertThat(items).noneMatch(i -> i.getErrorDetail() != null);
        PushResponseItem last = items.get(items.size() - 1);
        RegistryHttp.Manifest m = new RegistryHttp(b.url()).manifest("test/java", "1");
        assertThat(m.status()).isEqualTo(200);
        assertThat(last.getAux()).isNotNull();
        assertThat(last.getAux().getDigest()).isEqualTo(m.digest());
        assertThat(last.getAux().getTag()).isEqualTo("1");
        assertThat(last.getAux().getSize()).isEqualTo(m.bytes().length);
    }
}
