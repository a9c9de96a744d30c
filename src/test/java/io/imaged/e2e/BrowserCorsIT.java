package io.imaged.e2e;

import com.sun.net.httpserver.HttpServer;
import io.imaged.testsupport.Browser;
import io.imaged.testsupport.Curl;
import io.imaged.testsupport.FaultProxy;
import io.imaged.testsupport.Fixtures;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Proxy;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.Tars;
import io.imaged.testsupport.TestImages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real headless Chromium on a page served from another loopback port (another origin) than imaged's: by default
 * the page can neither tag (even with a "simple" no-cors POST, which a browser sends without asking) nor read;
 * with {@code imaged.api-cors-header} naming the page's origin it lists images, streams a pull from a real
 * registry line by line as the lines arrive, and reads the events stream while it is open.
 */
@ImagedTest(tools = "curl")
class BrowserCorsIT {
    /** The dashboard: what a page of another origin does with the API, results in the page and returned. */
    private static final String PAGE = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>dash</title></head>
            <body><pre id="status">idle</pre><pre id="log"></pre>
            <script>
            const show = (id, text) => { document.getElementById(id).textContent = text; };

            async function tagNoCors(api, name, repo, tag) {
              const r = await fetch(api + '/images/' + name + '/tag?repo=' + repo + '&tag=' + tag,
                                    {method: 'POST', mode: 'no-cors'});
              show('status', 'sent (' + r.type + ')');
              return r.type;
            }

            async function listImages(api) {
              const r = await fetch(api + '/v1.43/images/json');
              const images = await r.json();
              const tags = images.flatMap(i => i.RepoTags || []);
              show('status', tags.join(' '));
              return {status: r.status, apiVersion: r.headers.get('Api-Version'), tags: tags};
            }

            async function tag(api, name, repo, tag) {
              const r = await fetch(api + '/images/' + name + '/tag?repo=' + repo + '&tag=' + tag, {method: 'POST'});
              return r.status;
            }

            // reads the pull's JSON lines as they arrive, noting when each came
            async function streamPull(api, image, tag) {
              const started = performance.now();
              const r = await fetch(api + '/images/create?fromImage=' + encodeURIComponent(image) + '&tag=' + tag, {
                method: 'POST',
                headers: {'X-Registry-Auth': btoa('{}'), 'Content-Type': 'application/json'}
              });
              const reader = r.body.getReader();
              const decoder = new TextDecoder();
              let buffered = '', chunks = 0;
              const lines = [];
              for (;;) {
                const {value, done} = await reader.read();
                if (done) break;
                chunks++;
                buffered += decoder.decode(value, {stream: true});
                let nl;
                while ((nl = buffered.indexOf('\\n')) >= 0) {
                  const line = buffered.slice(0, nl);
                  buffered = buffered.slice(nl + 1);
                  if (!line.trim()) continue;
                  const msg = JSON.parse(line);
                  lines.push({at: Math.round(performance.now() - started), status: msg.status || '', error: msg.error || ''});
                  show('log', lines.map(l => l.status).join('\\n'));
                  show('status', msg.status || msg.error);
                }
              }
              return {status: r.status, chunks: chunks, lines: lines, last: document.getElementById('status').textContent};
            }

            // opens the events stream, then tags through the API, and waits for the tag event on the open stream
            async function tagAndWatch(api, name, repo, tagName) {
              const controller = new AbortController();
              const r = await fetch(api + '/events?filters=' + encodeURIComponent(JSON.stringify({type: ['image']})),
                                    {signal: controller.signal});
              const reader = r.body.getReader();
              const decoder = new TextDecoder();
              const tagStatus = await tag(api, name, repo, tagName);
              let buffered = '';
              for (;;) {
                const {value, done} = await reader.read();
                if (done) return {error: 'events stream ended'};
                buffered += decoder.decode(value, {stream: true});
                for (const line of buffered.split('\\n').slice(0, -1)) {
                  const e = JSON.parse(line);
                  if (e.Action === 'tag') {
                    controller.abort();
                    show('status', 'event ' + e.Action + ' ' + e.Actor.Attributes.name);
                    return {tagStatus: tagStatus, action: e.Action, name: e.Actor.Attributes.name};
                  }
                }
              }
            }
            </script></body></html>
            """;

    @TempDir
    Path dir;
    private HttpServer pages;

    @BeforeEach
    void servePage() throws IOException {
        pages = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        pages.createContext("/", exchange -> {
            byte[] body = PAGE.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        pages.start();
    }

    @AfterEach
    void stopPage() {
        pages.stop(0);
    }

    private String pageOrigin() {
        return "http://127.0.0.1:" + pages.getAddress().getPort();
    }

    @Test
    void aPageOfAnotherOriginCanNeitherTagNorReadByDefault(@Imaged ImagedProcess imaged, Fixtures fixtures) throws Exception {
        Browser browser = fixtures.browser();
        Curl socket = Curl.unix(dir.resolve("curl"), imaged.socket());
        Path layer = dir.resolve("layer.tar");
        Files.write(layer, Tars.of(Map.of("etc/hello", "hi\n")));
        assertThat(socket.request("POST", "/images/create?fromSrc=-&repo=web/base&tag=1", layer).status()).isEqualTo(200);

        browser.open(pageOrigin() + "/");
        Object sent = browser.await("tagNoCors(arguments[0], 'web/base:1', 'web/bypage', 'x')", imaged.tcpUrl());
        assertThat(sent).as("the browser sent it, and could not read the answer").isEqualTo("opaque");
        Object listed = browser.await("listImages(arguments[0])", imaged.tcpUrl());
        assertThat(listed).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsKey("error");
        assertThat(browser.text("status")).isEqualTo("sent (opaque)");

        assertThat(socket.request("GET", "/images/web/bypage:x/json", null).status()).as("the page's tag").isEqualTo(404);
        assertThat(socket.request("GET", "/images/web/base:1/json", null).status()).isEqualTo(200);
        assertThat(imaged.logText()).doesNotContain("web/bypage");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aDashboardNamedInApiCorsHeaderListsStreamsAPullAndReadsEvents(
            @Registry RegistryProcess registry, @Proxy FaultProxy slow,
            @Imaged(args = "--imaged.api-cors-header=${pageOrigin}") ImagedProcess imaged, Fixtures fixtures) throws Exception {
        Browser browser = fixtures.browser();
        TestImages.pushSmall(new RegistrySeeder(registry.url()), "web/small", "1");
        // one layer comes 2 s late, so that the pull's lines reach the page over time, not at once
        slow.add(FaultProxy.path("/blobs/sha256:" + TestImages.SMALL_LAYER_BLOBS.get(0)), FaultProxy.Kind.DELAY, 0, 2000, -1);
        Curl socket = Curl.unix(dir.resolve("curl"), imaged.socket());
        Path layer = dir.resolve("layer.tar");
        Files.write(layer, Tars.of(Map.of("etc/hello", "hi\n")));
        assertThat(socket.request("POST", "/images/create?fromSrc=-&repo=web/base&tag=1", layer).status()).isEqualTo(200);

        browser.open(pageOrigin() + "/");
        Map<String, Object> listed = (Map<String, Object>) browser.await("listImages(arguments[0])", imaged.tcpUrl());
        assertThat(listed).doesNotContainKey("error");
        assertThat(listed.get("status")).isEqualTo(200L);
        assertThat(listed.get("apiVersion")).as("exposed to the page").isEqualTo("1.50");
        assertThat((List<String>) listed.get("tags")).containsExactly("web/base:1");

        String image = slow.host() + "/web/small";
        Map<String, Object> pull;
        try {
            pull = (Map<String, Object>) browser.await("streamPull(arguments[0], arguments[1], '1')", imaged.tcpUrl(), image);
        } catch (RuntimeException e) {
            throw new AssertionError("the page's pull did not finish; page status: " + browser.text("status")
                    + "\npage log:\n" + browser.text("log") + "\nregistry requests: " + slow.requests()
                    + "\nimaged log:\n" + imaged.logText(), e);
        }
        assertThat(pull).doesNotContainKey("error");
        assertThat(pull.get("status")).isEqualTo(200L);
        List<Map<String, Object>> lines = (List<Map<String, Object>>) pull.get("lines");
        assertThat(lines).extracting(l -> (String) l.get("error")).allMatch(String::isEmpty);
        assertThat(lines).extracting(l -> (String) l.get("status"))
                .contains("Pulling from web/small", "Pull complete",
                        "Status: Downloaded newer image for " + image + ":1");
        long first = (Long) lines.get(0).get("at");
        long last = (Long) lines.get(lines.size() - 1).get("at");
        assertThat(last - first).as("the page read the first line long before the last").isGreaterThanOrEqualTo(1500);
        assertThat((Long) pull.get("chunks")).isGreaterThan(1);
        assertThat(browser.text("status")).isEqualTo("Status: Downloaded newer image for " + image + ":1");
        assertThat(socket.request("GET", "/images/" + image + ":1/json", null).status()).isEqualTo(200);

        Map<String, Object> watched = (Map<String, Object>) browser.await("tagAndWatch(arguments[0], 'web/base:1', 'web/bypage', 'y')",
                imaged.tcpUrl());
        assertThat(watched).containsEntry("tagStatus", 201L).containsEntry("action", "tag")
                .containsEntry("name", "web/bypage:y");
        assertThat(socket.request("GET", "/images/web/bypage:y/json", null).status()).isEqualTo(200);
    }
}
