package io.imaged.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryHttp;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.Tars;
import io.imaged.testsupport.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pushing by digest. The docker CLI (28) refuses a digest reference itself and sends nothing. The API
 * ({@code POST /images/<repo>@<digest>/push}, no tag) behaves as Docker 28 with the containerd image store: the
 * manifest the image is known by under that RepoDigest goes up as is, by digest (no {@code digest: … size:} line,
 * no aux result — dockerd prints those for tags only); an index whose other platforms are not stored is replaced by
 * the stored platform manifest with the {@code manifestPushedInsteadOfIndex} aux note; an unknown digest is
 * {@code tag does not exist: <ref>} in the stream. A digest as {@code tag} or a digest name with a tag is a 400, as
 * in Docker 28's router.
 */
@ImagedTest
class PushDigestIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DIGEST_LINE = Pattern.compile("(?m)^1: digest: (sha256:[a-f0-9]{64}) size: (\\d+)$");
    @Imaged
    static ImagedProcess imaged;
    @Registry
    static RegistryProcess registry;
    static RegistryHttp reg;
    @Cli
    static DockerCli docker;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        reg = new RegistryHttp(registry.url());
    }

    private static HttpResponse<String> push(String nameAndQuery) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl() + "/v1.50/images/" + nameAndQuery))
                .header("X-Registry-Auth", "e30=").POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int delete(String repo, String kind, String digest) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(registry.url() + "/v2/" + repo + "/" + kind + "/" + digest)).DELETE().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void cliRefusesADigestReferenceWithoutAskingTheDaemon() {
        String ref = registry.host() + "/test/cli@sha256:" + "a".repeat(64);
        DockerCli.Result r = docker.run("push", ref);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr().trim()).isEqualTo("cannot push a digest reference");
        assertThat(imaged.logText()).doesNotContain("push of " + registry.host() + "/test/cli");
    }

    @Test
    void aRepoDigestPushesThatManifestAsIsByDigest() throws Exception {
        String host = registry.host();
        byte[] tar = Tars.of(Map.of("digest.txt", "pushed by digest\n"));
        String id = docker.run(new ByteArrayInputStream(tar), "import", "-", host + "/test/dig:1").ok().stdout().trim();
        Matcher m = DIGEST_LINE.matcher(docker.run("push", host + "/test/dig:1").ok().stdout());
        assertThat(m.find()).isTrue();
        String digest = m.group(1);
        byte[] manifest = reg.manifest("test/dig", digest).bytes();
        String layer = JSON.readTree(manifest).path("layers").get(0).path("digest").asText();
        String diffId = docker.run("image", "inspect", "--format", "{{index .RootFS.Layers 0}}", id).ok().stdout().trim().substring(7, 19);

        // the registry loses the manifest (and with it the tag) and the layer
        assertThat(delete("test/dig", "manifests", digest)).isEqualTo(202);
        assertThat(delete("test/dig", "blobs", layer)).isEqualTo(202);
        assertThat(reg.manifest("test/dig", digest).status()).isEqualTo(404);

        HttpResponse<String> r = push(host + "/test/dig@" + digest + "/push");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body().lines().filter(l -> !l.contains("\"Pushing\"")).toList()).containsExactly(
                "{\"status\":\"The push refers to repository [" + host + "/test/dig]\"}",
                "{\"status\":\"Preparing\",\"progressDetail\":{},\"id\":\"" + diffId + "\"}",
                "{\"status\":\"Pushed\",\"progressDetail\":{},\"id\":\"" + diffId + "\"}");
        RegistryHttp.Manifest back = reg.manifest("test/dig", digest);
        assertThat(back.status()).isEqualTo(200);
        assertThat(back.bytes()).isEqualTo(manifest);
        assertThat(reg.blobStatus("test/dig", layer)).isEqualTo(200);
        assertThat(reg.blobStatus("test/dig", id)).isEqualTo(200);
        assertThat(reg.manifest("test/dig", "1").status()).as("by digest only: no tag").isEqualTo(404);

        String events = docker.run("events", "--since", "0", "--until", String.valueOf(System.currentTimeMillis() / 1000 + 1),
                "--filter", "event=push", "--format", "{{.Actor.ID}}").ok().stdout();
        assertThat(events.lines()).contains(host + "/test/dig@" + digest);

        // a digest the image is not known by in this repository
        String unknown = host + "/test/dig@sha256:" + "b".repeat(64);
        HttpResponse<String> missing = push(unknown + "/push");
        assertThat(missing.statusCode()).isEqualTo(200);
        assertThat(missing.body().lines().toList()).containsExactly(
                "{\"status\":\"The push refers to repository [" + host + "/test/dig]\"}",
                "{\"errorDetail\":{\"message\":\"tag does not exist: " + unknown + "\"},\"error\":\"tag does not exist: " + unknown + "\"}");
        docker.run("tag", id, host + "/test/elsewhere:1").ok();
        String elsewhere = host + "/test/elsewhere@" + digest;
        assertThat(push(elsewhere + "/push").body()).contains("\"error\":\"tag does not exist: " + elsewhere + "\"");
        assertThat(reg.manifest("test/elsewhere", digest).status()).isEqualTo(404);

        // a digest is no tag; a digest name takes no tag (Docker 28's router: 400 before the stream)
        HttpResponse<String> asTag = push(host + "/test/dig/push?tag=" + digest);
        assertThat(asTag.statusCode()).isEqualTo(400);
        assertThat(asTag.body().trim()).isEqualTo("{\"message\":\"invalid tag format\"}");
        HttpResponse<String> both = push(host + "/test/dig@" + digest + "/push?tag=1");
        assertThat(both.statusCode()).isEqualTo(400);
        assertThat(both.body().trim()).isEqualTo("{\"message\":\"cannot import digest reference\"}");
        assertThat(reg.manifest("test/dig", "1").status()).isEqualTo(404);
    }

    @Test
    void aRepositoryKnownOnlyByDigestHasNoTagsToPush() throws Exception {
        String host = registry.host();
        RegistrySeeder seeder = new RegistrySeeder(registry.url());
        List<TestImages.Layer> layers = List.of(TestImages.layer(Map.of("only", "by digest\n"), TestImages.Compression.GZIP));
        byte[] m = TestImages.manifest(seeder, "test/bydigest", TestImages.config(layers, "linux", "amd64", null, "d"), layers, false);
        String digest = seeder.manifest("test/bydigest", RegistrySeeder.sha256(m), TestImages.DOCKER_MANIFEST, m);
        docker.run("pull", host + "/test/bydigest@" + digest).ok();

        HttpResponse<String> all = push(host + "/test/bydigest/push");
        String msg = "no tags to push for " + host + "/test/bydigest";
        assertThat(all.body().lines().toList()).containsExactly(
                "{\"status\":\"The push refers to repository [" + host + "/test/bydigest]\"}",
                "{\"errorDetail\":{\"message\":\"" + msg + "\"},\"error\":\"" + msg + "\"}");
        // by its digest it goes (the registry has it: nothing to send)
        List<String> lines = push(host + "/test/bydigest@" + digest + "/push").body().lines().toList();
        assertThat(lines).noneMatch(l -> l.contains("error"));
        assertThat(lines.get(lines.size() - 1)).contains("Layer already exists");
    }

    @Test
    void anIndexWithOnlyThisPlatformStoredPushesThePlatformManifestInstead() throws Exception {
        String host = registry.host();
        String arch = docker.run("version", "--format", "{{.Server.Arch}}").ok().stdout().trim();
        String otherArch = arch.equals("arm64") ? "amd64" : "arm64";
        RegistrySeeder seeder = new RegistrySeeder(registry.url());
        List<TestImages.Entry> entries = new ArrayList<>();
        byte[] mine = null;
        for (String a : List.of(otherArch, arch)) {
            List<TestImages.Layer> layers = List.of(TestImages.layer(Map.of("arch", a + "\n"), TestImages.Compression.GZIP));
            byte[] m = TestImages.manifest(seeder, "test/multi", TestImages.config(layers, "linux", a, null, a), layers, true);
            seeder.manifest("test/multi", RegistrySeeder.sha256(m), TestImages.OCI_MANIFEST, m);
            entries.add(new TestImages.Entry(m, TestImages.OCI_MANIFEST, "linux", a, null));
            if (a.equals(arch)) mine = m;
        }
        byte[] index = TestImages.index(entries, true);
        String indexDigest = seeder.manifest("test/multi", "1", TestImages.OCI_INDEX, index);
        String mineDigest = RegistrySeeder.sha256(mine);
        docker.run("pull", host + "/test/multi:1").ok();
        assertThat(docker.run("image", "inspect", "--format", "{{json .RepoDigests}}", host + "/test/multi:1").ok().stdout())
                .contains(host + "/test/multi@" + indexDigest);

        assertThat(delete("test/multi", "manifests", indexDigest)).isEqualTo(202);
        assertThat(delete("test/multi", "manifests", mineDigest)).isEqualTo(202);
        HttpResponse<String> r = push(host + "/test/multi@" + indexDigest + "/push");
        List<String> lines = r.body().lines().toList();
        assertThat(lines).noneMatch(l -> l.contains("error"));
        assertThat(lines.get(0)).isEqualTo("{\"status\":\"The push refers to repository [" + host + "/test/multi]\"}");
        JsonNode aux = JSON.readTree(lines.get(lines.size() - 1)).path("aux");
        assertThat(aux.path("manifestPushedInsteadOfIndex").asBoolean()).isTrue();
        assertThat(aux.path("originalIndex").path("digest").asText()).isEqualTo(indexDigest);
        assertThat(aux.path("originalIndex").path("mediaType").asText()).isEqualTo(TestImages.OCI_INDEX);
        assertThat(aux.path("originalIndex").path("size").asInt()).isEqualTo(index.length);
        assertThat(aux.path("selectedManifest").path("digest").asText()).isEqualTo(mineDigest);
        assertThat(aux.path("selectedManifest").path("platform").path("architecture").asText()).isEqualTo(arch);
        assertThat(reg.manifest("test/multi", mineDigest).bytes()).isEqualTo(mine);
        assertThat(reg.manifest("test/multi", indexDigest).status()).isEqualTo(404);
    }
}
