package io.imaged.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.DockerJava;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Tars;
import io.imaged.testsupport.WorkDir;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /events} through the docker CLI and docker-java's event stream, compared with what the reference
 * dockerd 20.10 logged for the same operations (docs/reference/dockerd-events.md).
 */
@ImagedTest
class EventsIT {
    @WorkDir
    static Path dir;
    @Imaged
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;
    static final ObjectMapper json = new ObjectMapper();
    static final HttpClient http = HttpClient.newHttpClient();

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    /** A timestamp as the CLI takes it, {@code seconds.nanoseconds}, so that tests sharing the daemon do not overlap. */
    static String preciseNow() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() + "." + String.format("%09d", i.getNano());
    }

    private List<JsonNode> events(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("events", "--format", "{{json .}}"));
        args.addAll(List.of(extra));
        List<JsonNode> out = new ArrayList<>();
        for (String line : docker.run(args.toArray(String[]::new)).ok().lines()) out.add(json.readTree(line));
        return out;
    }

    private static List<String> summary(List<JsonNode> events) {
        return events.stream().map(e -> e.get("Action").asText() + " " + e.path("Actor").path("Attributes").path("name").asText()).toList();
    }

    @Test
    void imageOperationsLogTheEventsDockerdLogs() throws Exception {
        String since = preciseNow();
        byte[] tar = Tars.of(Map.of("ev/file.txt", "events\n"));
        String id = docker.run(new ByteArrayInputStream(tar), "import", "-c", "LABEL ev=1", "-m", "evmsg", "-", "ev/imported:1").ok().stdout().trim();
        docker.run("tag", "ev/imported:1", "ev/imported:2").ok();
        docker.run("rmi", "ev/imported:2").ok();
        Path saved = dir.resolve("ev.tar");
        docker.run("save", "-o", saved.toString(), "ev/imported:1").ok();
        docker.run("rmi", "ev/imported:1").ok();
        docker.run("load", "-i", saved.toString()).ok();
        docker.run("image", "prune", "-f").ok();
        String until = preciseNow();

        List<JsonNode> all = events("--since", since, "--until", until);
        // the order and naming of dockerd 20.10: tag before import, untag names the ID, delete carries no labels
        assertThat(summary(all)).containsExactly(
                "tag ev/imported:1", "import " + id, "tag ev/imported:2", "untag " + id, "save " + id,
                "untag " + id, "delete " + id, "load " + id, "prune ");
        JsonNode tag = all.get(0);
        assertThat(json.writeValueAsString(tag)).matches("\\{\"status\":\"tag\",\"id\":\"" + id + "\",\"Type\":\"image\",\"Action\":\"tag\","
                + "\"Actor\":\\{\"ID\":\"" + id + "\",\"Attributes\":\\{\"ev\":\"1\",\"name\":\"ev/imported:1\"}},"
                + "\"scope\":\"local\",\"time\":[0-9]+,\"timeNano\":[0-9]+}");
        assertThat(tag.get("timeNano").asLong() / 1_000_000_000L).isEqualTo(tag.get("time").asLong());
        assertThat(all.get(6).path("Actor").path("Attributes").size()).as("delete has only name").isEqualTo(1);
        JsonNode prune = all.get(8);
        assertThat(prune.has("id")).isFalse();
        assertThat(prune.path("Actor").path("ID").asText()).isEmpty();
        assertThat(prune.path("Actor").path("Attributes").path("reclaimed").asText()).isEqualTo("0");

        assertThat(summary(events("--since", since, "--until", until, "--filter", "type=image", "--filter", "event=tag")))
                .containsExactly("tag ev/imported:1", "tag ev/imported:2");
        assertThat(summary(events("--since", since, "--until", until, "--filter", "image=ev/imported:1")))
                .containsExactly("tag ev/imported:1");
        assertThat(summary(events("--since", since, "--until", until, "--filter", "image=ev/imported")))
                .containsExactly("tag ev/imported:1", "tag ev/imported:2");
        assertThat(summary(events("--since", since, "--until", until, "--filter", "label=ev=1")))
                .containsExactly("tag ev/imported:1", "import " + id, "tag ev/imported:2", "untag " + id, "save " + id, "untag " + id, "load " + id);
        assertThat(events("--since", since, "--until", until, "--filter", "type=container")).isEmpty();
        assertThat(events("--since", since, "--until", until, "--filter", "event=bogus")).isEmpty();
        assertThat(events("--since", since, "--until", until, "--filter", "foo=bar")).hasSize(all.size());

        // the CLI's default format, as dockerd's
        String text = docker.run("events", "--since", since, "--until", until, "--filter", "event=prune").ok().stdout();
        assertThat(text).matches("[0-9T:.Z-]+ image prune  \\(reclaimed=0\\)\\n");
    }

    @Test
    void badTimesAreRejectedAsDockerdRejectsThem() throws Exception {
        HttpResponse<String> r = get("/events?since=20&until=10");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json.readTree(r.body()).get("message").asText()).isEqualTo("`since` time (20) cannot be after `until` time (10)");
        r = get("/events?since=notatime&until=10");
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(json.readTree(r.body()).get("message").asText()).isEqualTo("strconv.ParseInt: parsing \"notatime\": invalid syntax");
    }

    @Test
    void anUntilInTheFutureStreamsLiveEventsAndThenEnds() throws Exception {
        docker.run(new ByteArrayInputStream(Tars.of(Map.of("live.txt", "live\n"))), "import", "-", "live/base:1").ok();
        long until = now() + 4;
        var pending = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                docker.run("events", "--since", Long.toString(until - 6), "--until", Long.toString(until), "--filter", "image=live/base",
                        "--format", "{{.Action}} {{.Actor.Attributes.name}}"));
        Thread.sleep(1500);
        docker.run("tag", "live/base:1", "live/base:2").ok();
        DockerCli.Result r = pending.get(30, TimeUnit.SECONDS);
        assertThat(r.ok().lines()).containsExactly("tag live/base:1", "tag live/base:2");
    }

    @Test
    void theRingKeepsTheLast256Events() throws Exception {
        docker.run(new ByteArrayInputStream(Tars.of(Map.of("ring.txt", "ring\n"))), "import", "-", "ring/base:1").ok();
        long t0 = now() - 1;
        for (int i = 0; i < 150; i++) {
            assertThat(post("/images/ring/base:1/tag?repo=ring/many&tag=t" + i).statusCode()).isEqualTo(201);
        }
        for (int i = 0; i < 150; i++) {
            assertThat(delete("/images/ring/many:t" + i).statusCode()).isEqualTo(200);
        }
        String q = "/events?since=0&until=" + (now() + 1);
        List<String> lines = get(q).body().lines().toList();
        assertThat(lines).hasSize(256);
        assertThat(json.readTree(lines.get(255)).get("Action").asText()).isEqualTo("untag");
        assertThat(t0).isPositive();
    }

    @Test
    void dockerJavaFollowsTheEventStream() throws Exception {
        docker.run(new ByteArrayInputStream(Tars.of(Map.of("dj.txt", "dj\n"))), "import", "-c", "LABEL via=docker-java", "-", "dj/base:1").ok();
        String id = docker.run("image", "inspect", "--format", "{{.Id}}", "dj/base:1").ok().stdout().trim();
        List<Event> seen = new CopyOnWriteArrayList<>();
        try (DockerClient client = DockerJava.connect(imaged.dockerHost());
             ResultCallback.Adapter<Event> stream = client.eventsCmd().withEventFilter("tag", "untag")
                     .exec(new ResultCallback.Adapter<>() {
                         @Override
                         public void onNext(Event e) {
                             seen.add(e);
                         }
                     })) {
            stream.awaitStarted(10, TimeUnit.SECONDS);
            Thread.sleep(500);
            docker.run("tag", "dj/base:1", "dj/base:2").ok();
            docker.run("rmi", "dj/base:2").ok();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (seen.size() < 2 && System.nanoTime() < deadline) Thread.sleep(50);
        }
        assertThat(seen).extracting(e -> e.getAction()).containsExactly("tag", "untag");
        Event tag = seen.get(0);
        assertThat(tag.getType().getValue()).isEqualTo("image");
        assertThat(tag.getId()).isEqualTo(id);
        assertThat(tag.getActor().getId()).isEqualTo(id);
        assertThat(tag.getActor().getAttributes()).containsExactlyInAnyOrderEntriesOf(Map.of("name", "dj/base:2", "via", "docker-java"));
        assertThat(seen.get(1).getActor().getAttributes()).containsEntry("name", id);
        assertThat(tag.getTimeNano()).isPositive();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl() + path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> delete(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(imaged.tcpUrl() + path)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
