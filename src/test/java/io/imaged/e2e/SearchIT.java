package io.imaged.e2e;

import com.sun.net.httpserver.HttpServer;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Fixtures;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docker search} through imaged: a registry without a search API (the real docker-registry) is searched
 * through its catalog; docker.io terms go to Docker Hub's {@code /v1/search}. Docker Hub cannot be reached from
 * here, so a loopback server answering its documented search shape stands in for the index; when the index
 * cannot be reached, the docker.io mirror's catalog (the real registry) is searched.
 */
@ImagedTest
class SearchIT {
    private static final String HUB_ANSWER = """
            {"num_pages":1,"num_results":3,"page_size":25,"page":1,"query":"busy","results":[
             {"name":"busybox","description":"Busybox base image.","star_count":3037,"is_official":true,"is_automated":false},
             {"name":"someone/busy-app","description":"An app","star_count":12,"is_official":false,"is_automated":true},
             {"name":"other/busy","description":"","star_count":0,"is_official":false,"is_automated":false}]}
            """;
    @Registry
    static RegistryProcess registry;
    static ImagedProcess imaged;
    static DockerCli docker;
    static HttpServer hub;
    static final List<String> hubQueries = new CopyOnWriteArrayList<>();
    static String host;

    @BeforeAll
    static void start(Fixtures fixtures) throws Exception {
        host = registry.host();
        RegistrySeeder seeder = new RegistrySeeder(registry.url());
        for (String repo : List.of("team/app", "team/api", "other/app", "library/busybox", "tools/busy-cli")) {
            TestImages.pushSmall(seeder, repo, "1");
        }
        hub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hub.createContext("/v1/search", x -> {
            hubQueries.add(x.getRequestURI().getRawQuery());
            byte[] body = HUB_ANSWER.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        hub.start();
        fixtures.own(() -> {
            if (hub != null) hub.stop(0); // a test stops it itself
        });
        imaged = fixtures.imaged("--imaged.registry.mirrors=" + registry.url(),
                "--imaged.registry.docker-io-upstream=http://127.0.0.1:1",
                "--imaged.registry.docker-io-index=http://127.0.0.1:" + hub.getAddress().getPort());
        docker = fixtures.cli(imaged, "docker");
    }

    @Test
    void aRegistryWithoutSearchIsSearchedThroughItsCatalog() {
        assertThat(names(host + "/app")).containsExactly(host + "/other/app", host + "/team/app");
        assertThat(names(host + "/team")).containsExactly(host + "/team/api", host + "/team/app");
        assertThat(names(host + "/nothing-like-this")).isEmpty();
        assertThat(names("--limit", "1", host + "/app")).hasSize(1);
        assertThat(docker.run("search", "--format", "{{.Name}}|{{.StarCount}}|{{.IsOfficial}}|{{.Description}}", host + "/api")
                .ok().lines()).containsExactly(host + "/team/api|0||");

        // the filters apply to catalog results too: none is official or starred
        assertThat(names("--filter", "is-official=false", host + "/app")).hasSize(2);
        assertThat(names("--filter", "is-official=0", host + "/app")).hasSize(2);
        assertThat(names("--filter", "is-official=true", host + "/app")).isEmpty();
        assertThat(names("--filter", "stars=1", host + "/app")).isEmpty();
        DockerCli.Result bad = docker.run("search", "--filter", "is-official=maybe", host + "/app");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.stderr().trim()).isEqualTo("Error response from daemon: invalid filter 'is-official=[maybe]'");
        DockerCli.Result badStars = docker.run("search", "--filter", "stars=many", host + "/app");
        assertThat(badStars.stderr().trim()).isEqualTo("Error response from daemon: invalid filter 'stars=many': strconv.Atoi: parsing \"many\": invalid syntax");
    }

    @Test
    void theLimitIsCheckedAsDockerdChecksIt() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl()
                + "/images/search?term=" + host + "/app&limit=101")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("{\"message\":\"limit 101 is outside the range of [1, 100]\"}\n");
        HttpResponse<String> zero = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl()
                + "/images/search?term=" + host + "/app&limit=0")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(zero.body()).isEqualTo("{\"message\":\"limit 0 is outside the range of [1, 100]\"}\n");
        HttpResponse<String> scheme = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl()
                + "/images/search?term=http://" + host + "/app")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(scheme.statusCode()).isEqualTo(400);
        assertThat(scheme.body()).isEqualTo("{\"message\":\"invalid repository name: repository name (http://" + host
                + "/app) should not have a scheme\"}\n");
    }

    @Test
    void dockerIoTermsGoToDockerHubsIndexThenToTheMirrorsCatalog() throws Exception {
        hubQueries.clear();
        assertThat(docker.run("search", "--format", "{{.Name}}|{{.StarCount}}|{{.IsOfficial}}|{{.Description}}", "busy")
                .ok().lines()).containsExactly("busybox|3037|[OK]|Busybox base image.", "someone/busy-app|12||An app",
                "other/busy|0||");
        assertThat(hubQueries).containsExactly("q=busy&n=25");
        assertThat(names("--filter", "is-official=true", "busy")).containsExactly("busybox");
        assertThat(names("--filter", "stars=10", "busy")).containsExactly("busybox", "someone/busy-app");
        // is-automated is deprecated: every result says false, so asking for true finds nothing (as dockerd)
        assertThat(names("--filter", "is-automated=true", "busy")).isEmpty();
        assertThat(names("--limit", "2", "library/busy")).containsExactly("busybox", "someone/busy-app");
        assertThat(hubQueries.get(hubQueries.size() - 1)).isEqualTo("q=busy&n=2");

        // Docker Hub's index gone (offline): the docker.io mirror's catalog answers, in docker.io's short names
        hub.stop(0);
        hub = null;
        assertThat(names("busy")).containsExactly("busybox", "tools/busy-cli");
    }

    private static List<String> names(String... args) {
        String[] full = new String[args.length + 3];
        full[0] = "search";
        full[1] = "--format";
        full[2] = "{{.Name}}";
        System.arraycopy(args, 0, full, 3, args.length);
        return docker.run(full).ok().lines();
    }
}
