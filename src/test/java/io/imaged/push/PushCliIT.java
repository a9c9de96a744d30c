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
import io.imaged.testsupport.Tars;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** docker push with the real docker CLI against imaged and a real registry: output, skips, mounts, round trips. */
@ImagedTest
class PushCliIT {
    private static final Pattern DIGEST_LINE = Pattern.compile("(?m)^(\\S+): digest: (sha256:[a-f0-9]{64}) size: (\\d+)$");
    private static final ObjectMapper JSON = new ObjectMapper();
    @Imaged
    static ImagedProcess imaged;
    @Registry
    static RegistryProcess registry;
    static RegistryHttp reg;
    @Cli
    static DockerCli docker;

    @BeforeAll
    static void start() {
        reg = new RegistryHttp(registry.url());
    }

    private static String importImage(String ref, Map<String, String> files) {
        byte[] tar = Tars.of(files);
        return docker.run(new ByteArrayInputStream(tar), "import", "-c", "CMD [\"sh\"]", "-", ref).ok().stdout().trim();
    }

    private static String diffId(String ref) {
        return docker.run("image", "inspect", "--format", "{{index .RootFS.Layers 0}}", ref).ok().stdout().trim();
    }

    @Test
    void importedImagePushesThenSkipsMountsAndPullsBackTheSameImage() throws Exception {
        String host = registry.host();
        String id = importImage(host + "/test/small:1", Map.of("bin/hello", "hello\n", "etc/motd", "welcome\n"));
        String layer = diffId(host + "/test/small:1").substring(7, 19);

        DockerCli.Result first = docker.run("push", host + "/test/small:1").ok();
        Matcher m = DIGEST_LINE.matcher(first.stdout());
        assertThat(m.find()).as(first.stdout()).isTrue();
        String digest = m.group(2);
        int size = Integer.parseInt(m.group(3));
        assertThat(first.lines()).containsExactly(
                "The push refers to repository [" + host + "/test/small]",
                layer + ": Preparing",
                layer + ": Pushed",
                "1: digest: " + digest + " size: " + size);

        // the registry has the manifest (the same bytes and digest) and every blob it names
        RegistryHttp.Manifest stored = reg.manifest("test/small", "1");
        assertThat(stored.status()).isEqualTo(200);
        assertThat(stored.digest()).isEqualTo(digest);
        assertThat(stored.bytes()).hasSize(size);
        assertThat(stored.mediaType()).isEqualTo("application/vnd.docker.distribution.manifest.v2+json");
        JsonNode manifest = JSON.readTree(stored.bytes());
        assertThat(manifest.path("config").path("digest").asText()).isEqualTo(id);
        assertThat(manifest.path("layers")).hasSize(1);
        assertThat(manifest.path("layers").get(0).path("mediaType").asText()).isEqualTo("application/vnd.docker.image.rootfs.diff.tar.gzip");
        assertThat(reg.blobStatus("test/small", manifest.path("layers").get(0).path("digest").asText())).isEqualTo(200);
        assertThat(reg.blobStatus("test/small", id)).isEqualTo(200);

        // the push event, as dockerd logs it
        String events = docker.run("events", "--since", "0", "--until", String.valueOf(System.currentTimeMillis() / 1000 + 1),
                "--filter", "event=push", "--format", "{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}").ok().stdout();
        assertThat(events.lines().filter(l -> l.contains("/test/small"))).containsExactly("image push " + host + "/test/small:1 " + host + "/test/small");

        // RepoDigests as dockerd records them after a push
        assertThat(docker.run("image", "inspect", "--format", "{{json .RepoDigests}}", host + "/test/small:1").ok().stdout())
                .contains(host + "/test/small@" + digest);

        // again: nothing to upload; the gzip made for the imported layer was kept, so the digest is the same
        DockerCli.Result again = docker.run("push", host + "/test/small:1").ok();
        assertThat(again.lines()).containsExactly(
                "The push refers to repository [" + host + "/test/small]",
                layer + ": Preparing",
                layer + ": Layer already exists",
                "1: digest: " + digest + " size: " + size);

        // another repository of the same registry: the layer is mounted, not uploaded
        docker.run("tag", host + "/test/small:1", host + "/test/other:1").ok();
        DockerCli.Result mounted = docker.run("push", host + "/test/other:1").ok();
        assertThat(mounted.lines()).containsExactly(
                "The push refers to repository [" + host + "/test/other]",
                layer + ": Preparing",
                layer + ": Mounted from test/small",
                "1: digest: " + digest + " size: " + size);
        assertThat(reg.manifest("test/other", "1").digest()).isEqualTo(digest);

        // remove everything, pull back: the same image
        docker.run("rmi", host + "/test/small:1", host + "/test/other:1").ok();
        assertThat(docker.run("images", "-q").ok().stdout()).isEmpty();
        docker.run("pull", host + "/test/small:1").ok();
        assertThat(docker.run("image", "inspect", "--format", "{{.Id}}", host + "/test/small:1").ok().stdout().trim()).isEqualTo(id);
    }

    @Test
    void allTagsArePushedInOrder() throws Exception {
        String host = registry.host();
        importImage(host + "/test/multi:a", Map.of("a.txt", "multi\n"));
        docker.run("tag", host + "/test/multi:a", host + "/test/multi:b").ok();
        docker.run("tag", host + "/test/multi:a", host + "/test/unrelated:c").ok();
        String layer = diffId(host + "/test/multi:a").substring(7, 19);

        DockerCli.Result all = docker.run("push", "--all-tags", host + "/test/multi").ok();
        Matcher m = DIGEST_LINE.matcher(all.stdout());
        assertThat(m.find()).isTrue();
        String digest = m.group(2);
        String size = m.group(3);
        assertThat(all.lines()).containsExactly(
                "The push refers to repository [" + host + "/test/multi]",
                layer + ": Preparing",
                layer + ": Pushed",
                "a: digest: " + digest + " size: " + size,
                layer + ": Preparing",
                layer + ": Layer already exists",
                "b: digest: " + digest + " size: " + size);
        assertThat(reg.manifest("test/multi", "a").digest()).isEqualTo(digest);
        assertThat(reg.manifest("test/multi", "b").digest()).isEqualTo(digest);
        assertThat(reg.manifest("test/multi", "c").status()).isEqualTo(404);

        // docker image push -a is the same request
        DockerCli.Result short_ = docker.run("image", "push", "-a", host + "/test/multi").ok();
        assertThat(short_.stdout()).contains("a: digest: " + digest, "b: digest: " + digest);
    }

    @Test
    void missingImagesAndTagsFailAsWithDockerd() throws Exception {
        String host = registry.host();
        DockerCli.Result none = docker.run("push", host + "/test/nothere:1");
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.stdout().trim()).isEqualTo("The push refers to repository [" + host + "/test/nothere]");
        assertThat(none.stderr().trim()).isEqualTo("An image does not exist locally with the tag: " + host + "/test/nothere");

        importImage(host + "/test/tagged:1", Map.of("f", "x\n"));
        DockerCli.Result tag = docker.run("push", host + "/test/tagged:doesnotexist");
        assertThat(tag.exitCode()).isEqualTo(1);
        assertThat(tag.stderr().trim()).isEqualTo("tag does not exist: " + host + "/test/tagged:doesnotexist");
        assertThat(reg.manifest("test/tagged", "doesnotexist").status()).isEqualTo(404);
    }

    @Test
    void rawApiStreamsDockerdsJsonLinesAndRejectsMissingAuth() throws Exception {
        String host = registry.host();
        importImage(host + "/test/raw:1", Map.of("raw.txt", "raw\n"));
        HttpClient http = HttpClient.newHttpClient();
        String url = imaged.tcpUrl() + "/v1.41/images/" + host + "/test/raw/push?tag=1";

        HttpResponse<String> noAuth = http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noAuth.statusCode()).isEqualTo(400);
        assertThat(noAuth.body().trim()).isEqualTo("{\"message\":\"Bad parameters and missing X-Registry-Auth: EOF\"}");
        assertThat(reg.manifest("test/raw", "1").status()).isEqualTo(404);

        HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(url)).header("X-Registry-Auth", "e30=")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("Content-Type")).hasValue("application/json");
        List<String> lines = ok.body().lines().toList();
        String digest = reg.manifest("test/raw", "1").digest();
        int size = reg.manifest("test/raw", "1").bytes().length;
        assertThat(lines.get(0)).isEqualTo("{\"status\":\"The push refers to repository [" + host + "/test/raw]\"}");
        assertThat(lines.get(1)).matches("\\{\"status\":\"Preparing\",\"progressDetail\":\\{},\"id\":\"[a-f0-9]{12}\"}");
        assertThat(lines).anyMatch(l -> l.matches("\\{\"status\":\"Pushing\",\"progressDetail\":\\{\"current\":\\d+,\"total\":\\d+},\"progress\":\"\\[.*\",\"id\":\"[a-f0-9]{12}\"}"));
        assertThat(lines).anyMatch(l -> l.matches("\\{\"status\":\"Pushed\",\"progressDetail\":\\{},\"id\":\"[a-f0-9]{12}\"}"));
        assertThat(lines.get(lines.size() - 2)).isEqualTo("{\"status\":\"1: digest: " + digest + " size: " + size + "\"}");
        assertThat(lines.get(lines.size() - 1)).isEqualTo("{\"progressDetail\":{},\"aux\":{\"Tag\":\"1\",\"Digest\":\""
                + digest + "\",\"Size\":" + size + "}}");

        // a platform the image is not: 404 before the stream, as dockerd's GetImage with a platform
        String arch = docker.run("image", "inspect", "--format", "{{.Architecture}}", host + "/test/raw:1").ok().stdout().trim();
        String other = arch.equals("arm64") ? "amd64" : "arm64";
        String platform = java.net.URLEncoder.encode("{\"os\":\"linux\",\"architecture\":\"" + other + "\"}", java.nio.charset.StandardCharsets.UTF_8);
        HttpResponse<String> wrongPlatform = http.send(HttpRequest.newBuilder(URI.create(url + "&platform=" + platform))
                .header("X-Registry-Auth", "e30=").POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrongPlatform.statusCode()).isEqualTo(404);
        assertThat(wrongPlatform.body()).contains("image with reference " + host + "/test/raw:1 was found but its platform (linux/"
                + arch + ") does not match the specified platform (linux/" + other + ")");

        // a tag in the name (and no tag parameter) pushes that tag; a missing repo is an error in the stream
        HttpResponse<String> named = http.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl() + "/images/" + host + "/test/raw:1/push"))
                .header("X-Registry-Auth", "e30=").POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(named.body()).contains("Layer already exists", "1: digest: " + digest);
        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl() + "/images/" + host + "/test/nothere/push?tag=1"))
                .header("X-Registry-Auth", "e30=").POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(200);
        String msg = "An image does not exist locally with the tag: " + host + "/test/nothere";
        assertThat(missing.body().lines().toList()).containsExactly(
                "{\"status\":\"The push refers to repository [" + host + "/test/nothere]\"}",
                "{\"errorDetail\":{\"message\":\"" + msg + "\"},\"error\":\"" + msg + "\"}");
    }
}
