package io.imaged.registry;

import io.imaged.oci.MediaTypes;

import io.imaged.testsupport.Tools;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.config.ImagedProperties;
import io.imaged.reference.ImageReference;
import io.imaged.digest.Digest;
import io.imaged.testsupport.RegistryProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client's push-side exchanges (what push builds on) against a real docker-registry with Basic auth. */
class RegistryClientTest {
    @TempDir
    Path dir;

    private RegistryClient client() {
        ImagedProperties props = io.imaged.testsupport.TestProperties.of(dir.resolve("data"));
        ObjectMapper json = new ObjectMapper();
        return new RegistryClient(new EndpointResolver(props), new BearerTokenFetcher(json), new Retrying(props), props, json, RegistryTraffic.NONE);
    }

    @Test
    void uploadsMountsAndPutsManifestsWithBasicAuth() throws Exception {
        Tools.require("docker-registry");
        Path htpasswd = dir.resolve("htpasswd");
        Process p = new ProcessBuilder("htpasswd", "-Bbn", "pusher", "pw").start();
        Files.write(htpasswd, p.getInputStream().readAllBytes());
        p.waitFor();
        try (RegistryProcess registry = RegistryProcess.start(dir.resolve("reg"), htpasswd)) {
            RegistryClient client = client();
            AuthConfig auth = new AuthConfig("pusher", "pw", null, null, registry.host(), null, null);
            ImageReference repo = ImageReference.parse(registry.host() + "/team/one");
            byte[] blob = "layer bytes".getBytes(StandardCharsets.UTF_8);
            Digest d = Digest.sha256(blob);
            byte[] config = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes(StandardCharsets.UTF_8);
            Digest c = Digest.sha256(config);

            Digest manifestDigest = client.withSession(repo, auth, true, s -> {
                assertThat(s.blobExists(d)).isFalse();
                URI loc = s.startUpload();
                assertThat(s.uploadBlob(loc, d, blob.length, () -> new ByteArrayInputStream(blob))).isEqualTo(d);
                assertThat(s.blobExists(d)).isTrue();
                s.uploadBlob(s.startUpload(), c, config.length, () -> new ByteArrayInputStream(config));
                String m = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                        + "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":" + config.length
                        + ",\"digest\":\"" + c + "\"},\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\","
                        + "\"size\":" + blob.length + ",\"digest\":\"" + d + "\"}]}";
                Digest md = s.putManifest("1", MediaTypes.DOCKER_MANIFEST, m.getBytes(StandardCharsets.UTF_8));
                assertThat(md).isEqualTo(Digest.sha256(m.getBytes(StandardCharsets.UTF_8)));
                return md;
            });

            // another repository: the blob is mounted, not uploaded again
            ImageReference other = ImageReference.parse(registry.host() + "/team/two");
            client.withSession(other, auth, true, s -> {
                RegistrySession.MountResult r = s.mount(d, "team/one");
                assertThat(r.mounted()).isTrue();
                assertThat(s.blobExists(d)).isTrue();
                return null;
            });

            // pull side: manifest by tag and digest, blob with a range, tags
            client.withSession(repo, auth, false, s -> {
                RegistrySession.Manifest m = s.getManifest("1");
                assertThat(m.digest()).isEqualTo(manifestDigest);
                assertThat(m.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
                assertThat(s.getManifest(manifestDigest.toString()).bytes()).isEqualTo(m.bytes());
                try (RegistrySession.BlobStream b = s.openBlob(d, 6)) {
                    assertThat(b.offset()).isEqualTo(6);
                    assertThat(b.total()).isEqualTo(blob.length);
                    try (InputStream in = b.body()) {
                        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("bytes");
                    }
                }
                assertThat(s.tags()).containsExactly("1");
                return null;
            });

            // wrong password: the registry's 401 comes back as it is
            AuthConfig wrong = new AuthConfig("pusher", "nope", null, null, registry.host(), null, null);
            assertThatThrownBy(() -> client.withSession(repo, wrong, false, s -> s.getManifest("1")))
                    .isInstanceOf(RegistryException.class).hasMessageContaining("unauthorized");
            assertThatThrownBy(() -> client.login(registry.host(), wrong))
                    .hasMessage("login attempt to " + registry.url() + "/v2/ failed with status: 401 Unauthorized");
            assertThat(client.login(registry.host(), auth)).isNull();
        }
    }
}
