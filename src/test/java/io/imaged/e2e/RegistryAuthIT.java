package io.imaged.e2e;

import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.TestImages.Compression;
import io.imaged.testsupport.TestImages.Layer;
import io.imaged.testsupport.TestImages;
import io.imaged.testsupport.TokenServer;
import io.imaged.testsupport.Tokens;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Authenticated pulls against real registries: one with htpasswd (Basic), one with token auth backed by an
 * in-test token server whose JWTs the registry verifies. docker login (POST /auth, identity tokens),
 * X-Registry-Auth with username/password, identitytoken and registrytoken; secrets never reach the log.
 */
@ImagedTest
class RegistryAuthIT {
    @Registry(user = "bob", password = "hunter2")
    static RegistryProcess basicRegistry;
    @Registry(tokens = "tokens")
    static RegistryProcess tokenRegistry;
    @Tokens
    static TokenServer tokens;
    @Imaged
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;
    static final HttpClient http = HttpClient.newHttpClient();

    private static byte[] seed(RegistrySeeder seeder, String repo, String tag, String label) throws Exception {
        Layer l = TestImages.layer(Map.of("auth/" + label, label + "\n"), Compression.GZIP);
        byte[] cfg = TestImages.config(List.of(l), "linux", "amd64", null, label);
        seeder.manifest(repo, tag, TestImages.DOCKER_MANIFEST, TestImages.manifest(seeder, repo, cfg, List.of(l), false));
        return cfg;
    }

    private static String xRegistryAuth(String json) {
        return Base64.getUrlEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> apiPull(String ref, String tag, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(imaged.tcpUrl() + "/images/create?fromImage=" + ref + "&tag=" + tag))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (auth != null) b.header("X-Registry-Auth", auth);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void basicAuthRegistry() throws Exception {
        String host = basicRegistry.host();
        byte[] cfg = seed(new RegistrySeeder(basicRegistry.url(), "bob", "hunter2"), "team/app", "1", "basic");
        DockerCli.Result anonymous = docker.run("pull", host + "/team/app:1");
        assertThat(anonymous.exitCode()).isEqualTo(1);
        assertThat(anonymous.stderr().trim()).isEqualTo("Error response from daemon: Head \"http://" + host
                + "/v2/team/app/manifests/1\": no basic auth credentials");

        DockerCli.Result wrong = docker.run(new java.io.ByteArrayInputStream("nope\n".getBytes()), "login", "-u", "bob", "--password-stdin", host);
        assertThat(wrong.exitCode()).isEqualTo(1);
        assertThat(wrong.stderr()).contains("login attempt to http://" + host + "/v2/ failed with status: 401 Unauthorized");

        docker.run(new java.io.ByteArrayInputStream("hunter2\n".getBytes()), "login", "-u", "bob", "--password-stdin", host).ok();
        docker.run("pull", host + "/team/app:1").ok();
        assertThat(docker.run("image", "inspect", "--format", "{{.Id}}", host + "/team/app:1").ok().stdout().trim())
                .isEqualTo(RegistrySeeder.sha256(cfg));
        assertThat(imaged.logText()).doesNotContain("hunter2").doesNotContain(
                Base64.getEncoder().encodeToString("bob:hunter2".getBytes()));
    }

    @Test
    void tokenAuthRegistry() throws Exception {
        String host = tokenRegistry.host();
        RegistrySeeder seeder = new RegistrySeeder(tokenRegistry.url(), "Bearer " + tokens.mint("seeder", "tok/app", "pull", "push"));
        byte[] one = seed(seeder, "tok/app", "1", "one");
        byte[] two = seed(seeder, "tok/app", "2", "two");
        byte[] three = seed(seeder, "tok/app", "3", "three");

        // anonymous: the token server grants nothing, the registry refuses
        DockerCli.Result anonymous = docker.run("pull", host + "/tok/app:1");
        assertThat(anonymous.exitCode()).isEqualTo(1);
        assertThat(anonymous.stderr()).contains("unauthorized");

        // docker login: the token server hands out a refresh token, which the CLI keeps as identity token
        DockerCli.Result wrong = docker.run(new java.io.ByteArrayInputStream("bad\n".getBytes()), "login", "-u", TokenServer.USER,
                "--password-stdin", host);
        assertThat(wrong.exitCode()).isEqualTo(1);
        assertThat(wrong.stderr()).contains("incorrect username or password");
        docker.run(new java.io.ByteArrayInputStream((TokenServer.PASSWORD + "\n").getBytes()), "login", "-u", TokenServer.USER,
                "--password-stdin", host).ok();
        String config = Files.readString(docker.config().resolve("config.json"));
        assertThat(config).contains("identitytoken");
        int before = tokens.requests().size();
        docker.run("pull", host + "/tok/app:1").ok();
        assertThat(docker.run("image", "inspect", "--format", "{{.Id}}", host + "/tok/app:1").ok().stdout().trim())
                .isEqualTo(RegistrySeeder.sha256(one));
        assertThat(tokens.requests().subList(before, tokens.requests().size()))
                .anyMatch(r -> r.startsWith("POST grant=refresh_token scopes=[repository:tok/app:pull]"));

        // X-Registry-Auth with username and password: GET with Basic at the token server
        HttpResponse<String> withPassword = apiPull(host + "/tok/app", "2",
                xRegistryAuth("{\"username\":\"alice\",\"password\":\"secret\",\"serveraddress\":\"" + host + "\"}"));
        assertThat(withPassword.statusCode()).isEqualTo(200);
        assertThat(withPassword.body()).contains("Status: Downloaded newer image for " + host + "/tok/app:2")
                .doesNotContain("errorDetail");
        assertThat(docker.run("image", "inspect", "--format", "{{.Id}}", host + "/tok/app:2").ok().stdout().trim())
                .isEqualTo(RegistrySeeder.sha256(two));

        // X-Registry-Auth with a registry token: used as the bearer token as it is
        HttpResponse<String> withRegistryToken = apiPull(host + "/tok/app", "3",
                xRegistryAuth("{\"registrytoken\":\"" + tokens.mint("direct", "tok/app", "pull") + "\"}"));
        assertThat(withRegistryToken.body()).contains("Status: Downloaded newer image for " + host + "/tok/app:3");
        assertThat(docker.run("image", "inspect", "--format", "{{.Id}}", host + "/tok/app:3").ok().stdout().trim())
                .isEqualTo(RegistrySeeder.sha256(three));

        String log = imaged.logText();
        assertThat(log).doesNotContain(TokenServer.PASSWORD).doesNotContain("refresh-");
    }
}
