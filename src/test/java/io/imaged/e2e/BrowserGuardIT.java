package io.imaged.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.testsupport.Curl;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.Tars;
import io.imaged.testsupport.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Web pages against the TCP listener, sent by the real curl: a foreign {@code Origin} or a rebound {@code Host} is
 * refused at every endpoint that changes the store (and at the list), and the data root stays byte-for-byte as it
 * was; the same requests through the unix socket work; {@code imaged.allowed-hosts} and
 * {@code imaged.api-cors-header} let the named ones in, with dockerd's CORS headers.
 */
@ImagedTest(tools = "curl")
class BrowserGuardIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The origin of a dashboard named in imaged.api-cors-header. */
    private static final String DASH = "http://127.0.0.1:9000";
    private static final String EVIL_ORIGIN = "Origin: http://evil.example";
    private static final String EMPTY_AUTH = "X-Registry-Auth: " + Base64.getUrlEncoder().encodeToString("{}".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    private record Call(String method, String path, Path body, String... headers) {
    }

    @Test
    void foreignOriginsAndHostsChangeNothingWhileTheSocketServesTheSameRequests(@Registry RegistryProcess registry,
                                                                               @Imaged ImagedProcess imaged) throws Exception {
        TestImages.pushSmall(new RegistrySeeder(registry.url()), "web/small", "1");
        Curl socket = Curl.unix(dir.resolve("curl-unix"), imaged.socket());
        Curl tcp = Curl.tcp(dir.resolve("curl-tcp"), imaged.port());
        Path layer = write("layer.tar", Tars.of(Map.of("etc/hello", "hi\n")));
        Path archive = write("archive.tar", resource("/archives/skopeo-docker-archive.tar"));
        Path auth = write("auth.json", ("{\"serveraddress\":\"" + registry.host() + "\"}").getBytes(StandardCharsets.UTF_8));
        // something in the store for the hostile requests to aim at
        assertThat(socket.request("POST", "/images/create?fromImage=" + registry.host() + "/web/small&tag=1", null).status()).isEqualTo(200);
        assertThat(socket.request("POST", "/images/create?fromSrc=-&repo=web/base&tag=1", layer).status()).isEqualTo(200);

        String target = registry.host() + "/web/pushed";
        List<Call> calls = List.of(
                new Call("POST", "/images/web/base:1/tag?repo=" + target + "&tag=1", null),
                new Call("POST", "/images/" + target + ":1/push", null, EMPTY_AUTH),
                new Call("DELETE", "/images/" + target + ":1", null),
                new Call("DELETE", "/images/" + registry.host() + "/web/small:1?force=1", null),
                new Call("POST", "/images/prune?filters=%7B%22dangling%22%3A%5B%22false%22%5D%7D", null),
                new Call("POST", "/images/create?fromImage=" + registry.host() + "/web/small&tag=1", null, EMPTY_AUTH),
                new Call("POST", "/images/create?fromSrc=-&repo=web/imported&tag=1", layer),
                new Call("POST", "/images/load?quiet=1", archive),
                new Call("POST", "/auth", auth, "Content-Type: application/json"),
                new Call("GET", "/images/json", null),
                new Call("POST", "/v1.41/images/prune", null));
        Map<String, String> before = snapshot(imaged.dataRoot());

        List<String> refused = new ArrayList<>();
        for (Call c : calls) {
            refused.add(expectRefused(tcp, c, EVIL_ORIGIN, "Origin http://evil.example is not allowed"));
            refused.add(expectRefused(tcp, c, "Origin: null", "Origin null is not allowed"));
            refused.add(expectRefused(tcp, c, "Host: evil.example:2375", "Host evil.example:2375 is not allowed"));
            // a rebound page is same-origin as far as its browser knows
            refused.add(expectRefused(tcp, c, "Host: evil.example:" + imaged.port(), "is not allowed",
                    "Origin: http://evil.example:" + imaged.port()));
        }
        refused.add(expectRefused(tcp, new Call("POST", "/build/prune", null), EVIL_ORIGIN, "is not allowed"));
        refused.add(expectRefused(tcp, new Call("OPTIONS", "/images/create", null), EVIL_ORIGIN, "is not allowed",
                "Access-Control-Request-Method: POST"));
        assertThat(refused).hasSize(calls.size() * 4 + 2).allMatch(s -> s.equals("403"));
        assertThat(snapshot(imaged.dataRoot())).as("the data root after %d refused requests", refused.size())
                .isEqualTo(before);

        // the same requests through the socket (no Origin, as every API client) do what they say
        for (Call c : calls) {
            Curl.Answer a = socket.request(c.method(), c.path(), c.body(), c.headers());
            assertThat(a.status()).as("%s %s through the socket: %s", c.method(), c.path(), a.body()).isBetween(200, 201);
        }
        assertThat(snapshot(imaged.dataRoot())).isNotEqualTo(before);
        assertThat(socket.request("GET", "/images/web/imported:1/json", null).status()).isEqualTo(200);
        // a web page cannot reach the socket, so it is left as it was: a browser header there changes nothing
        assertThat(socket.request("GET", "/images/json", null, EVIL_ORIGIN, "Host: evil.example").status()).isEqualTo(200);
        // curl over TCP without Origin, to a loopback name: unaffected
        assertThat(tcp.request("GET", "/images/json", null, "Host: localhost:" + imaged.port()).status()).isEqualTo(200);
        assertThat(tcp.request("GET", "/images/json", null).header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void allowedHostsAndCorsOriginsAreLetIn(@Registry RegistryProcess registry, @Imaged(args = {
            "--imaged.api-cors-header=" + DASH, "--imaged.allowed-hosts=imaged.internal"}) ImagedProcess imaged)
            throws Exception {
        String dash = DASH;
        TestImages.pushSmall(new RegistrySeeder(registry.url()), "web/small", "1");
        Curl tcp = Curl.tcp(dir.resolve("curl-tcp"), imaged.port());
        assertThat(tcp.request("GET", "/images/json", null, "Host: imaged.internal:" + imaged.port()).status()).isEqualTo(200);
        assertThat(tcp.request("GET", "/images/json", null, "Host: imaged.internal").status()).isEqualTo(200);
        assertThat(tcp.request("GET", "/images/json", null, "Host: other.internal").status()).isEqualTo(403);

        Curl.Answer preflight = tcp.request("OPTIONS", "/v1.41/images/create?fromImage=x", null, "Origin: " + dash,
                "Access-Control-Request-Method: POST", "Access-Control-Request-Headers: content-type,x-registry-auth,x-registry-config");
        assertThat(preflight.status()).isEqualTo(200);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(dash);
        assertThat(List.of(preflight.header("Access-Control-Allow-Methods").split(",\\s*"))).contains("GET", "POST", "DELETE", "HEAD");
        assertThat(List.of(preflight.header("Access-Control-Allow-Headers").toLowerCase().split(",\\s*")))
                .contains("content-type", "x-registry-auth", "x-registry-config");

        Curl.Answer list = tcp.request("GET", "/images/json", null, "Origin: " + dash);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.header("Access-Control-Allow-Origin")).isEqualTo(dash);
        assertThat(list.header("Access-Control-Expose-Headers")).contains("Api-Version");
        Curl.Answer missing = tcp.request("POST", "/images/nothing:1/tag?repo=x", null, "Origin: " + dash);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.header("Access-Control-Allow-Origin")).as("errors reach the page too").isEqualTo(dash);
        assertThat(JSON.readTree(missing.body()).get("message").asText()).contains("No such image");
        assertThat(tcp.request("GET", "/images/json", null, "Origin: http://127.0.0.1:9001").status()).isEqualTo(403);

        // streamed answers carry the headers before their first line
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<InputStream> pull = http.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl()
                        + "/images/create?fromImage=" + registry.host() + "/web/small&tag=1"))
                .header("Origin", dash).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(pull.headers().firstValue("Access-Control-Allow-Origin")).hasValue(dash);
        String progress;
        try (InputStream in = pull.body()) {
            progress = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(progress).contains("Downloaded newer image for " + registry.host() + "/web/small:1");

        HttpResponse<InputStream> events = http.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl() + "/events"))
                .header("Origin", dash).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = events.body()) {
            assertThat(events.statusCode()).isEqualTo(200);
            assertThat(events.headers().firstValue("Access-Control-Allow-Origin")).hasValue(dash);
        }
    }

    private static String expectRefused(Curl tcp, Call c, String header, String message, String... more) throws Exception {
        List<String> headers = new ArrayList<>(List.of(c.headers()));
        headers.add(header);
        headers.addAll(List.of(more));
        Curl.Answer a = tcp.request(c.method(), c.path(), c.body(), headers.toArray(String[]::new));
        String what = c.method() + " " + c.path() + " with " + headers;
        assertThat(a.status()).as(what).isEqualTo(403);
        assertThat(a.header("Content-Type")).as(what).startsWith("application/json");
        JsonNode body = JSON.readTree(a.body());
        assertThat(body.size()).as(what).isEqualTo(1);
        assertThat(body.get("message").asText()).as(what).contains(message);
        assertThat(a.header("Access-Control-Allow-Origin")).as(what).isNull();
        return String.valueOf(a.status());
    }

    /** Every path under the data root with the sha256 of its content (directories and the socket by name only). */
    private static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String key = root.relativize(p).toString();
                if (Files.isRegularFile(p)) {
                    out.put(key, sha256(Files.readAllBytes(p)));
                } else {
                    out.put(key, Files.isDirectory(p) ? "dir" : "other");
                }
            }
        }
        return out;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = BrowserGuardIT.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }
}
