package io.imaged.push;

import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryHttp;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.Tars;
import io.imaged.testsupport.TokenServer;
import io.imaged.testsupport.Tokens;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Push to a registry behind bearer-token auth (in-test token server): docker login's identity token, mounts, registry tokens. */
@ImagedTest
class PushTokenAuthIT {
    @Tokens
    static TokenServer tokens;
    @Registry(tokens = "tokens")
    static RegistryProcess registry;
    @Imaged
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;

    @Test
    void pushWithTokensFromLoginAndMountAcrossRepositories() throws Exception {
        String host = registry.host();
        docker.run(new ByteArrayInputStream(Tars.of(Map.of("tok.txt", "token\n"))), "import", "-", host + "/tok/first:1").ok();

        DockerCli.Result anonymous = docker.run("push", host + "/tok/first:1");
        assertThat(anonymous.exitCode()).isEqualTo(1);
        assertThat(anonymous.stderr()).contains("unauthorized");

        docker.run(new ByteArrayInputStream((TokenServer.PASSWORD + "\n").getBytes()), "login", "-u", TokenServer.USER,
                "--password-stdin", host).ok();
        assertThat(Files.readString(docker.config().resolve("config.json"))).contains("identitytoken");
        DockerCli.Result first = docker.run("push", host + "/tok/first:1").ok();
        assertThat(first.stdout()).contains(": Pushed", "1: digest: sha256:");
        assertThat(tokens.requests()).anyMatch(r -> r.startsWith("POST grant=refresh_token scopes=[repository:tok/first:pull,push]"));

        docker.run("tag", host + "/tok/first:1", host + "/tok/second:1").ok();
        DockerCli.Result second = docker.run("push", host + "/tok/second:1").ok();
        assertThat(second.stdout()).contains(": Mounted from tok/first");
        assertThat(tokens.requests()).anyMatch(r -> r.contains("repository:tok/second:pull,push") && r.contains("repository:tok/first:pull"));

        // X-Registry-Auth carrying a registry token: used as the bearer token as it is
        docker.run("tag", host + "/tok/first:1", host + "/tok/third:1").ok();
        String auth = Base64.getUrlEncoder().encodeToString(("{\"registrytoken\":\"" + tokens.mint("direct", "tok/third", "pull", "push")
                + "\"}").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> raw = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(imaged.tcpUrl() + "/images/" + host + "/tok/third/push?tag=1")).header("X-Registry-Auth", auth)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(raw.body()).contains("\"aux\":{\"Tag\":\"1\"").doesNotContain("errorDetail");

        String digest = first.stdout().replaceAll("(?s).*1: digest: (sha256:[a-f0-9]{64}).*", "$1");
        assertThat(new RegistryHttp(registry.url()).manifest("tok/third", "1").status()).isEqualTo(401); // tokens required
        for (String repo : new String[]{"tok/first", "tok/second", "tok/third"}) {
            RegistryHttp.Manifest m = new RegistryHttp(registry.url(), "Bearer " + tokens.mint("check", repo, "pull")).manifest(repo, "1");
            assertThat(m.status()).isEqualTo(200);
            assertThat(m.digest()).isEqualTo(digest);
        }
        assertThat(raw.body()).contains("1: digest: " + digest);
        assertThat(imaged.logText()).doesNotContain(TokenServer.PASSWORD).doesNotContain("refresh-");
    }
}
