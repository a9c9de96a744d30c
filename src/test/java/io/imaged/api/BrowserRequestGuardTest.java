package io.imaged.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.config.ImagedProperties;
import io.imaged.api.listener.Listener;
import io.imaged.testsupport.TestProperties;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Host and Origin rules of {@link BrowserRequestGuard}, {@link CorsPolicy} and {@link HostAllowList}. */
class BrowserRequestGuardTest {
    private static final Listener PLAIN_TCP = new Listener(false, false);
    private static final Listener TLS_TCP = new Listener(false, true);
    private static final Listener UNIX = new Listener(true, false);

    @Test
    void loopbackHostsWithAnyPortAreAllowedAndOthersAreNot() {
        HostAllowList none = HostAllowList.of(List.of());
        for (String ok : List.of("localhost", "LOCALHOST:2375", "localhost.", "api.moby.localhost", "dash.localhost:8080",
                "127.0.0.1", "127.0.0.1:2375", "127.255.0.9:1", "[::1]", "[::1]:2375", "[0:0:0:0:0:0:0:1]:80")) {
            assertThat(none.allows(ok)).as(ok).isTrue();
        }
        for (String bad : List.of("evil.example", "evil.example:2375", "localhost.evil.example", "127.0.0.1.evil.example",
                "127.0.0.1.nip.io:2375", "128.0.0.1", "10.0.0.1:2375", "[::2]:2375", "127.0.0.300", "0.0.0.0:2375",
                "2130706433", "127.1", "[::1", "::1", "", "evil.example:2375:1", "docker")) {
            assertThat(none.allows(bad)).as(bad).isFalse();
        }
    }

    @Test
    void allowedHostsNameAnyPortOrOnePort() {
        HostAllowList list = HostAllowList.of(List.of(" Imaged.Internal ", "proxy.example:8080"));
        assertThat(list.allows("imaged.internal")).isTrue();
        assertThat(list.allows("IMAGED.internal:2375")).isTrue();
        assertThat(list.allows("proxy.example:8080")).isTrue();
        assertThat(list.allows("proxy.example:8081")).isFalse();
        assertThat(list.allows("proxy.example")).isFalse();
        assertThat(list.allows("other.internal")).isFalse();
    }

    @Test
    void corsOriginsMatchExactlyAndNullOnlyWithStar() {
        CorsPolicy none = CorsPolicy.parse("");
        assertThat(none.enabled()).isFalse();
        assertThat(none.allows("http://127.0.0.1:8080")).isFalse();
        assertThat(none.allowOriginFor(null)).isNull();

        CorsPolicy one = CorsPolicy.parse("https://Dash.example/");
        assertThat(one.allows("https://dash.example")).isTrue();
        assertThat(one.allows("http://dash.example")).isFalse();
        assertThat(one.allows("https://dash.example:8443")).isFalse();
        assertThat(one.allows("https://dash.example.evil.example")).isFalse();
        assertThat(one.allows("null")).isFalse();
        assertThat(one.allowOriginFor(null)).as("as dockerd: the configured value on every answer").isEqualTo("https://dash.example");
        assertThat(one.variesByOrigin()).isFalse();

        CorsPolicy two = CorsPolicy.parse("https://a.example, http://127.0.0.1:9000");
        assertThat(two.allows("http://127.0.0.1:9000")).isTrue();
        assertThat(two.allowOriginFor("https://a.example")).isEqualTo("https://a.example");
        assertThat(two.allowOriginFor("https://b.example")).isNull();
        assertThat(two.allowOriginFor(null)).isNull();
        assertThat(two.variesByOrigin()).isTrue();

        CorsPolicy any = CorsPolicy.parse("*");
        assertThat(any.allows("null")).isTrue();
        assertThat(any.allowOriginFor("https://x.example")).isEqualTo("*");

        assertThatThrownBy(() -> CorsPolicy.parse("dash.example")).hasMessageContaining("imaged.api-cors-header");
    }

    @Test
    void sameOriginIsSchemeHostAndPortOfTheRequestItself() {
        assertThat(BrowserRequestGuard.sameOrigin("http://127.0.0.1:2375", "http", "127.0.0.1:2375")).isTrue();
        assertThat(BrowserRequestGuard.sameOrigin("http://LOCALHOST", "http", "localhost:80")).isTrue();
        assertThat(BrowserRequestGuard.sameOrigin("https://localhost", "https", "localhost")).isTrue();
        assertThat(BrowserRequestGuard.sameOrigin("http://[::1]:2375", "http", "[::1]:2375")).isTrue();
        assertThat(BrowserRequestGuard.sameOrigin("http://127.0.0.1:2376", "http", "127.0.0.1:2375")).isFalse();
        assertThat(BrowserRequestGuard.sameOrigin("https://127.0.0.1:2375", "http", "127.0.0.1:2375")).isFalse();
        assertThat(BrowserRequestGuard.sameOrigin("null", "http", "127.0.0.1:2375")).isFalse();
        assertThat(BrowserRequestGuard.sameOrigin("http://127.0.0.1:2375/x", "http", "127.0.0.1:2375")).isFalse();
    }

    @Test
    void aForeignOriginIsRefusedBeforeTheChainOnEveryTcpListenerButNotOnTheSocket() throws Exception {
        BrowserRequestGuard guard = guard("", List.of());
        for (Listener l : List.of(PLAIN_TCP, TLS_TCP)) {
            Outcome o = run(guard, request(l, "POST", "/images/busybox/tag", "127.0.0.1:2375", "http://evil.example"));
            assertThat(o.passed()).as("%s", l).isFalse();
            assertThat(o.response().getStatus()).isEqualTo(403);
            assertThat(o.response().getContentAsString()).startsWith("{\"message\":\"Origin http://evil.example is not allowed");
        }
        assertThat(run(guard, request(UNIX, "POST", "/images/prune", "evil.example", "http://evil.example")).passed()).isTrue();
        assertThat(run(guard, request(PLAIN_TCP, "POST", "/images/prune", "127.0.0.1:2375", "null")).passed()).isFalse();
        // two Origin headers: refused, whatever they say
        MockHttpServletRequest twice = request(PLAIN_TCP, "GET", "/images/json", "127.0.0.1:2375", "http://127.0.0.1:2375");
        twice.addHeader("Origin", "http://evil.example");
        assertThat(run(guard, twice).response().getStatus()).isEqualTo(403);
    }

    @Test
    void clientsWithoutOriginAndTheDaemonsOwnPagesPass() throws Exception {
        BrowserRequestGuard guard = guard("", List.of());
        assertThat(run(guard, request(PLAIN_TCP, "POST", "/images/prune", "127.0.0.1:2375", null)).passed()).isTrue();
        assertThat(run(guard, request(PLAIN_TCP, "GET", "/images/json", null, null)).passed()).as("HTTP/1.0, no Host").isTrue();
        Outcome self = run(guard, request(PLAIN_TCP, "GET", "/images/json", "localhost:2375", "http://localhost:2375"));
        assertThat(self.passed()).isTrue();
        assertThat(self.response().getHeader("Access-Control-Allow-Origin")).isNull();
        assertThat(run(guard, request(TLS_TCP, "GET", "/images/json", "imaged.example:2376", "https://imaged.example:2376"))
                .passed()).as("behind TLS the Host is what the certificate says").isTrue();
        assertThat(run(guard, request(TLS_TCP, "GET", "/images/json", "imaged.example:2376", "http://imaged.example:2376"))
                .passed()).isFalse();
    }

    @Test
    void aForeignHostIsRefusedOnPlainLoopbackConnectionsOnly() throws Exception {
        BrowserRequestGuard guard = guard("", List.of("imaged.internal"));
        Outcome rebound = run(guard, request(PLAIN_TCP, "POST", "/images/prune", "evil.example:2375", null));
        assertThat(rebound.passed()).isFalse();
        assertThat(rebound.response().getStatus()).isEqualTo(403);
        assertThat(rebound.response().getContentAsString()).contains("Host evil.example:2375 is not allowed", "imaged.allowed-hosts");
        // the rebound page is "same-origin" as far as its browser knows: still refused
        assertThat(run(guard, request(PLAIN_TCP, "POST", "/images/prune", "evil.example:2375", "http://evil.example:2375"))
                .passed()).isFalse();
        assertThat(run(guard, request(PLAIN_TCP, "GET", "/images/json", "imaged.internal:2375", null)).passed()).isTrue();
        assertThat(run(guard, request(TLS_TCP, "GET", "/images/json", "evil.example:2376", null)).passed()).isTrue();
        MockHttpServletRequest remote = request(PLAIN_TCP, "GET", "/images/json", "build-host:2375", null);
        remote.setLocalAddr("10.1.2.3");
        assertThat(run(guard, remote).passed()).as("a non-loopback listener is reached by its own names").isTrue();
        MockHttpServletRequest remoteRebound = request(PLAIN_TCP, "GET", "/images/json", "evil.example:2375", "http://evil.example:2375");
        remoteRebound.setLocalAddr("10.1.2.3");
        assertThat(run(guard, remoteRebound).passed()).as("same-origin only where the Host is trusted").isFalse();
    }

    @Test
    void allowedOriginsGetCorsHeadersAndPreflightsAreAnsweredHere() throws Exception {
        BrowserRequestGuard guard = guard("http://127.0.0.1:9000", List.of());
        Outcome get = run(guard, request(PLAIN_TCP, "GET", "/images/json", "127.0.0.1:2375", "http://127.0.0.1:9000"));
        assertThat(get.passed()).isTrue();
        assertThat(get.response().getHeader("Access-Control-Allow-Origin")).isEqualTo("http://127.0.0.1:9000");
        assertThat(get.response().getHeader("Access-Control-Expose-Headers")).contains("Api-Version");

        MockHttpServletRequest preflight = request(PLAIN_TCP, "OPTIONS", "/v1.41/images/create", "127.0.0.1:2375", "http://127.0.0.1:9000");
        preflight.addHeader("Access-Control-Request-Method", "POST");
        preflight.addHeader("Access-Control-Request-Headers", "content-type,x-registry-auth");
        preflight.addHeader("Access-Control-Request-Private-Network", "true");
        Outcome pre = run(guard, preflight);
        assertThat(pre.response().getHeader("Access-Control-Allow-Private-Network")).isEqualTo("true");
        assertThat(pre.passed()).isFalse();
        assertThat(pre.response().getStatus()).isEqualTo(200);
        assertThat(pre.response().getHeader("Access-Control-Allow-Origin")).isEqualTo("http://127.0.0.1:9000");
        assertThat(pre.response().getHeader("Access-Control-Allow-Methods")).contains("GET", "POST", "DELETE", "HEAD");
        assertThat(pre.response().getHeader("Access-Control-Allow-Headers"))
                .contains("Content-Type", "X-Registry-Auth", "X-Registry-Config");

        MockHttpServletRequest otherPreflight = request(PLAIN_TCP, "OPTIONS", "/images/create", "127.0.0.1:2375", "http://127.0.0.1:9001");
        otherPreflight.addHeader("Access-Control-Request-Method", "POST");
        assertThat(run(guard, otherPreflight).response().getStatus()).isEqualTo(403);
    }

    private static BrowserRequestGuard guard(String cors, List<String> allowedHosts) {
        ImagedProperties p = TestProperties.of(Path.of("/nonexistent"));
        ImagedProperties props = new ImagedProperties(p.dataRoot(), p.hosts(), p.maxConcurrentDownloads(),
                p.maxConcurrentUploads(), p.partialRetention(), p.importMaxBytes(), p.registry(), p.tls(),
                p.tcpUnauthenticated(), cors, allowedHosts, p.minApiVersion(), p.requestBodyTimeout());
        return new BrowserRequestGuard(props, new ObjectMapper());
    }

    private static MockHttpServletRequest request(Listener listener, String method, String path, String host, String origin) {
        MockHttpServletRequest r = new MockHttpServletRequest(method, path);
        r.setAttribute(Listener.ATTRIBUTE, listener);
        r.setLocalAddr("127.0.0.1");
        r.removeHeader("Host");
        if (host != null) r.addHeader("Host", host);
        if (origin != null) r.addHeader("Origin", origin);
        return r;
    }

    private record Outcome(boolean passed, MockHttpServletResponse response) {
    }

    private static Outcome run(BrowserRequestGuard guard, MockHttpServletRequest request) throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();
        guard.doFilter(request, response, chain);
        return new Outcome(chain.getRequest() != null, response);
    }
}
