package io.imaged.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.imaged.config.ImagedProperties;
import io.imaged.oci.MediaTypes;
import io.imaged.digest.Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each exchange of a registry session against an in-JVM HTTP server that answers as a registry would — or lies:
 * the protocol details a real registry rarely exercises (wrong digests, odd ranges, pagination, mounts).
 */
class RegistryExchangesTest {
    @TempDir
    Path dir;
    private HttpServer server;
    private final Map<String, Handler> routes = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private RegistrySession session;

    @FunctionalInterface
    interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            String key = ex.getRequestMethod() + " " + ex.getRequestURI().getPath();
            requests.add(key + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery())
                    + (ex.getRequestHeaders().containsKey("Range") ? " " + ex.getRequestHeaders().getFirst("Range") : ""));
            Handler h = routes.get(key);
            try (ex) {
                if (h == null) {
                    ex.sendResponseHeaders(404, -1);
                } else {
                    h.handle(ex);
                }
            }
        });
        server.start();
        ImagedProperties props = io.imaged.testsupport.TestProperties.of(dir);
        ObjectMapper json = new ObjectMapper();
        URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        RegistryEndpoint endpoint = new RegistryEndpoint("127.0.0.1:" + server.getAddress().getPort(), base,
                HttpClient.newHttpClient(), false, true);
        session = new RegistrySession(endpoint, "test/x", AuthConfig.ANONYMOUS, true, new BearerTokenFetcher(json),
                new Retrying(props), props, json, RegistryTraffic.NONE);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void answer(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        if (contentType != null) ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        ex.getResponseBody().write(body);
    }

    @Test
    void aManifestIsTakenAsSentAndRefusedWhenItsDigestIsNotTheOneAskedFor() throws Exception {
        byte[] manifest = "{\"schemaVersion\":2,\"config\":{},\"layers\":[]}".getBytes(StandardCharsets.UTF_8);
        Digest real = Digest.sha256(manifest);
        routes.put("GET /v2/test/x/manifests/1", ex -> answer(ex, 200, "application/json", manifest));
        RegistrySession.Manifest m = session.getManifest("1");
        assertThat(m.bytes()).isEqualTo(manifest);
        assertThat(m.digest()).isEqualTo(real);
        assertThat(m.mediaType()).as("a generic Content-Type gives way to the document's shape").isEqualTo(MediaTypes.OCI_MANIFEST);

        Digest other = Digest.sha256("another manifest");
        routes.put("GET /v2/test/x/manifests/" + other, ex -> answer(ex, 200, MediaTypes.OCI_MANIFEST, manifest));
        assertThatThrownBy(() -> session.getManifest(other.toString()))
                .hasMessageContaining("manifest verification failed for digest " + other).hasMessageContaining("sent content with digest " + real);
    }

    @Test
    void aRangeAnswerMustStartWhereAsked() throws Exception {
        byte[] blob = "0123456789".getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.sha256(blob);
        routes.put("GET /v2/test/x/blobs/" + d, ex -> {
            String range = ex.getRequestHeaders().getFirst("Range");
            if (range == null) {
                answer(ex, 200, "application/octet-stream", blob);
                return;
            }
            int from = range.equals("bytes=4-") ? 4 : 2; // the second request is answered from the wrong offset
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-9/10");
            answer(ex, 206, "application/octet-stream", java.util.Arrays.copyOfRange(blob, from, 10));
        });
        try (RegistrySession.BlobStream s = session.openBlob(d, 4)) {
            assertThat(s.offset()).isEqualTo(4);
            assertThat(s.total()).isEqualTo(10);
            assertThat(new String(s.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("456789");
        }
        assertThatThrownBy(() -> session.openBlob(d, 5)).hasMessageContaining("with an unexpected range");
        assertThat(session.getBlobBytes(d, 10, 100)).isEqualTo(blob);
        assertThatThrownBy(() -> session.getBlobBytes(d, 11, 100)).hasMessageContaining("has 10 bytes, the manifest says 11");
        routes.put("HEAD /v2/test/x/blobs/" + d, ex -> answer(ex, 200, null, new byte[0]));
        assertThat(session.blobExists(d)).isTrue();
        assertThat(session.blobExists(Digest.sha256("absent"))).isFalse();
    }

    @Test
    void aMountEitherMountsOrStartsAnUploadAtTheGivenLocation() throws Exception {
        Digest d = Digest.sha256("layer");
        routes.put("POST /v2/test/x/blobs/uploads/", ex -> {
            if (ex.getRequestURI().getRawQuery().contains("from=test%2Fhere")) {
                answer(ex, 201, null, new byte[0]);
            } else {
                ex.getResponseHeaders().set("Location", "/v2/test/x/blobs/uploads/abc?state=1");
                answer(ex, 202, null, new byte[0]);
            }
        });
        assertThat(session.mount(d, "test/here").mounted()).isTrue();
        RegistrySession.MountResult started = session.mount(d, "test/elsewhere");
        assertThat(started.mounted()).isFalse();
        assertThat(started.location().toString()).endsWith("/v2/test/x/blobs/uploads/abc?state=1");
        assertThat(requests).contains("POST /v2/test/x/blobs/uploads/?mount=" + d.toString().replace(":", "%3A") + "&from=test%2Fhere");
    }

    @Test
    void tagsFollowTheLinkHeaderAcrossPages() throws Exception {
        routes.put("GET /v2/test/x/tags/list", ex -> {
            if (ex.getRequestURI().getQuery() == null) {
                ex.getResponseHeaders().set("Link", "</v2/test/x/tags/list?last=b&n=2>; rel=\"next\"");
                answer(ex, 200, "application/json", "{\"name\":\"test/x\",\"tags\":[\"a\",\"b\"]}".getBytes());
            } else {
                answer(ex, 200, "application/json", "{\"name\":\"test/x\",\"tags\":[\"c\"]}".getBytes());
            }
        });
        assertThat(session.tags()).containsExactly("a", "b", "c");
        assertThat(session.searchV1("x", 10)).as("a registry without /v1/search").isNull();
    }
}
