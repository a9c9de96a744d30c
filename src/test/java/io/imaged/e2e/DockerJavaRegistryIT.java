package io.imaged.e2e;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.AuthResponse;
import com.github.dockerjava.api.model.PushResponseItem;
import io.imaged.testsupport.Cli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryHttp;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.TestImages.Compression;
import io.imaged.testsupport.TestImages.Entry;
import io.imaged.testsupport.TestImages.Layer;
import io.imaged.testsupport.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.imaged.testsupport.TestImages.SMALL_IMAGE_ID;
import static io.imaged.testsupport.TestImages.SMALL_MANIFEST_DIGEST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The registry side through docker-java (the Java peer client) against a real htpasswd-protected docker-registry:
 * login, pull by tag, by digest and by platform from a manifest list, a refused anonymous pull, push with
 * credentials (mounting from the pulled repository, the pulled manifest sent unchanged), an unauthorised search.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ImagedTest
class DockerJavaRegistryIT {
    @Registry(user = "alice", password = "s3cret")
    static RegistryProcess registry;
    @Imaged
    static ImagedProcess imaged;
    @Cli
    static DockerClient client;
    static String host;
    static AuthConfig auth;
    static byte[] armConfig;

    @BeforeAll
    static void seed() throws Exception {
        host = registry.host();
        RegistrySeeder seeder = new RegistrySeeder(registry.url(), "alice", "s3cret");
        TestImages.pushSmall(seeder, "java/small", "1");

        Layer base = TestImages.layer(Map.of("etc/os", "multi\n"), Compression.GZIP);
        byte[] amdCfg = TestImages.config(List.of(base), "linux", "amd64", null, "amd64");
        armConfig = TestImages.config(List.of(base), "linux", "arm64", "v8", "arm64");
        byte[] amd = TestImages.manifest(seeder, "java/multi", amdCfg, List.of(base), false);
        byte[] arm = TestImages.manifest(seeder, "java/multi", armConfig, List.of(base), false);
        seeder.manifest("java/multi", RegistrySeeder.sha256(amd), TestImages.DOCKER_MANIFEST, amd);
        seeder.manifest("java/multi", RegistrySeeder.sha256(arm), TestImages.DOCKER_MANIFEST, arm);
        seeder.manifest("java/multi", "1", TestImages.DOCKER_LIST, TestImages.index(List.of(
                new Entry(amd, TestImages.DOCKER_MANIFEST, "linux", "amd64", null),
                new Entry(arm, TestImages.DOCKER_MANIFEST, "linux", "arm64", "v8")), false));

        auth = new AuthConfig().withRegistryAddress(host).withUsername("alice").withPassword("s3cret");
    }

    @Test
    @Order(1)
    void loginChecksTheCredentialsAtTheRegistry() {
        AuthResponse ok = client.authCmd().withAuthConfig(auth).exec();
        assertThat(ok.getStatus()).isEqualTo("Login Succeeded");
        AuthConfig wrong = new AuthConfig().withRegistryAddress(host).withUsername("alice").withPassword("guess");
        assertThatThrownBy(() -> client.authCmd().withAuthConfig(wrong).exec())
                .isInstanceOf(DockerException.class)
                .hasMessageContaining("login attempt to http://" + host + "/v2/ failed with status: 401 Unauthorized");
    }

    @Test
    @Order(2)
    void pullsByTagByDigestAndByPlatformWithCredentials() throws Exception {
        assertThatThrownBy(() -> client.pullImageCmd(host + "/java/small").withTag("1").exec(new PullImageResultCallback())
                .awaitCompletion(60, TimeUnit.SECONDS))
                .isInstanceOf(DockerException.class).hasMessageContaining("no basic auth credentials");
        assertThat(client.listImagesCmd().withImageNameFilter(host + "/java/small").exec()).isEmpty();

        pull(host + "/java/small", "1", null);
        InspectImageResponse small = client.inspectImageCmd(host + "/java/small:1").exec();
        assertThat(small.getId()).isEqualTo(SMALL_IMAGE_ID);
        assertThat(small.getRepoDigests()).containsExactly(host + "/java/small@" + SMALL_MANIFEST_DIGEST);

        client.removeImageCmd(host + "/java/small:1").exec();
        pull(host + "/java/small@" + SMALL_MANIFEST_DIGEST, null, null);
        InspectImageResponse byDigest = client.inspectImageCmd(host + "/java/small@" + SMALL_MANIFEST_DIGEST).exec();
        assertThat(byDigest.getId()).isEqualTo(SMALL_IMAGE_ID);
        assertThat(byDigest.getRepoTags()).isEmpty();

        pull(host + "/java/multi", "1", "linux/arm64");
        InspectImageResponse arm = client.inspectImageCmd(host + "/java/multi:1").exec();
        assertThat(arm.getId()).isEqualTo(RegistrySeeder.sha256(armConfig));
        assertThat(arm.getArch()).isEqualTo("arm64");
    }

    @Test
    @Order(3)
    void pushesWithCredentialsAndSearches() throws Exception {
        pull(host + "/java/small", "1", null);
        client.tagImageCmd(host + "/java/small:1", host + "/java/pushed", "v1").exec();
        List<PushResponseItem> items = new ArrayList<>();
        client.pushImageCmd(host + "/java/pushed").withTag("v1").withAuthConfig(auth)
                .exec(new ResultCallback.Adapter<PushResponseItem>() {
                    @Override
                    public void onNext(PushResponseItem item) {
                        items.add(item);
                    }
                }).awaitCompletion(2, TimeUnit.MINUTES);
        assertThat(items).noneMatch(i -> i.getErrorDetail() != null);
        assertThat(items).anyMatch(i -> "Mounted from java/small".equals(i.getStatus()));
        PushResponseItem last = items.get(items.size() - 1);
        assertThat(last.getAux()).isNotNull();
        assertThat(last.getAux().getDigest()).isEqualTo(SMALL_MANIFEST_DIGEST); // the pulled manifest, sent unchanged
        RegistryHttp.Manifest m = new RegistryHttp(registry.url(), "alice", "s3cret").manifest("java/pushed", "v1");
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.digest()).isEqualTo(SMALL_MANIFEST_DIGEST);

        // docker-java sends no credentials with a search (the docker CLI does): the registry's catalog refuses it
        assertThatThrownBy(() -> client.searchImagesCmd(host + "/java").exec())
                .isInstanceOf(com.github.dockerjava.api.exception.UnauthorizedException.class)
                .hasMessageContaining("authentication required");
    }

    private static void pull(String repository, String tag, String platform) throws InterruptedException {
        var cmd = client.pullImageCmd(repository).withAuthConfig(auth);
        if (tag != null) cmd = cmd.withTag(tag);
        if (platform != null) cmd = cmd.withPlatform(platform);
        try {
            assertThat(cmd.exec(new PullImageResultCallback()).awaitCompletion(60, TimeUnit.SECONDS)).isTrue();
        } catch (DockerClientException e) {
            throw new AssertionError("pull of " + repository + " failed: " + e.getMessage(), e);
        }
    }
}
