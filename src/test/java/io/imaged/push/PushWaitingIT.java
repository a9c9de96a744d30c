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
import io.imaged.testsupport.TestImages;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code imaged.max-concurrent-uploads}: an 8-layer image pushed with 2 upload slots. As dockerd (see
 * docs/push.md: the reference dockerd with its default of 5 printed Waiting for the 3 bottom layers of an 8-layer
 * image), every layer says {@code Preparing} (top first), the layers without a slot say {@code Waiting} (in the
 * same order), and never more than 2 layers are between their first {@code Pushing} and {@code Pushed}.
 */
@ImagedTest
class PushWaitingIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LAYERS = 8;
    private static final int SLOTS = 2;
    @Imaged(args = "--imaged.max-concurrent-uploads=" + SLOTS)
    static ImagedProcess imaged;
    @Registry
    static RegistryProcess source;
    @Registry
    static RegistryProcess target;
    @Cli
    static DockerCli docker;

    /** Seeds an image of {@link #LAYERS} distinct layers in the source registry; returns the short IDs, top first. */
    private static List<String> seed(String repo, long seed) throws Exception {
        RegistrySeeder seeder = new RegistrySeeder(source.url());
        Random random = new Random(seed);
        List<TestImages.Layer> layers = new ArrayList<>();
        for (int i = 0; i < LAYERS; i++) {
            StringBuilder content = new StringBuilder();
            for (int j = 0; j < 200_000; j++) content.append((char) ('a' + random.nextInt(26)));
            layers.add(TestImages.layer(Map.of("layer" + i + ".txt", content.toString()), TestImages.Compression.GZIP));
        }
        byte[] config = TestImages.config(layers, "linux", "amd64", null, repo);
        byte[] manifest = TestImages.manifest(seeder, repo, config, layers, false);
        seeder.manifest(repo, "1", TestImages.DOCKER_MANIFEST, manifest);
        List<String> ids = new ArrayList<>();
        for (int i = LAYERS - 1; i >= 0; i--) ids.add(layers.get(i).diffId().substring(7, 19));
        return ids;
    }

    @Test
    void apiStreamSaysWaitingForTheLayersWithoutASlotAndNeverRunsMoreThanTheLimit() throws Exception {
        List<String> ids = seed("test/eight", 1);
        docker.run("pull", source.host() + "/test/eight:1").ok();
        docker.run("tag", source.host() + "/test/eight:1", target.host() + "/test/eight:1").ok();

        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(imaged.tcpUrl() + "/v1.50/images/" + target.host() + "/test/eight/push?tag=1"))
                .header("X-Registry-Auth", "e30=").POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        List<JsonNode> lines = new ArrayList<>();
        for (String l : r.body().lines().toList()) lines.add(JSON.readTree(l));
        assertThat(lines).noneMatch(n -> n.has("error"));

        // Preparing for every layer, top first; then Waiting for those beyond the 2 slots, in the same order
        assertThat(lines.get(0).path("status").asText()).isEqualTo("The push refers to repository [" + target.host() + "/test/eight]");
        for (int i = 0; i < LAYERS; i++) {
            assertThat(lines.get(1 + i).path("status").asText()).isEqualTo("Preparing");
            assertThat(lines.get(1 + i).path("id").asText()).isEqualTo(ids.get(i));
        }
        for (int i = SLOTS; i < LAYERS; i++) {
            JsonNode w = lines.get(1 + LAYERS + i - SLOTS);
            assertThat(w.path("status").asText()).isEqualTo("Waiting");
            assertThat(w.path("id").asText()).isEqualTo(ids.get(i));
        }
        assertThat(lines).filteredOn(n -> n.path("status").asText().equals("Waiting")).hasSize(LAYERS - SLOTS);

        // at most 2 layers sending at once; a waiting layer starts only after another one finished
        Set<String> active = new HashSet<>();
        Set<String> finished = new HashSet<>();
        Map<String, Integer> finishedBeforeStart = new HashMap<>();
        int most = 0;
        for (JsonNode n : lines) {
            String id = n.path("id").asText(""), status = n.path("status").asText("");
            if (status.equals("Pushing") && !active.contains(id) && !finished.contains(id)) {
                finishedBeforeStart.put(id, finished.size());
                active.add(id);
            } else if (status.equals("Pushed")) {
                assertThat(active).as("Pushed without Pushing: " + id).contains(id);
                active.remove(id);
                finished.add(id);
            }
            most = Math.max(most, active.size());
        }
        assertThat(finished).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(most).isLessThanOrEqualTo(SLOTS);
        for (int i = SLOTS; i < LAYERS; i++) {
            assertThat(finishedBeforeStart.get(ids.get(i))).as("layers finished before " + ids.get(i) + " started")
                    .isGreaterThanOrEqualTo(i - SLOTS + 1);
        }

        // and the image arrived whole
        String digest = new RegistryHttp(target.url()).manifest("test/eight", "1").digest();
        assertThat(lines.get(lines.size() - 2).path("status").asText()).startsWith("1: digest: " + digest + " size: ");
        assertThat(lines.get(lines.size() - 1).path("aux").path("Digest").asText()).isEqualTo(digest);
    }

    @Test
    void cliPrintsPreparingThenWaitingThenPushed() throws Exception {
        List<String> ids = seed("test/cli", 2);
        docker.run("pull", source.host() + "/test/cli:1").ok();
        docker.run("tag", source.host() + "/test/cli:1", target.host() + "/test/cli:1").ok();

        DockerCli.Result push = docker.run("push", target.host() + "/test/cli:1").ok();
        List<String> lines = push.lines();
        List<String> expectedStart = new ArrayList<>();
        expectedStart.add("The push refers to repository [" + target.host() + "/test/cli]");
        for (String id : ids) expectedStart.add(id + ": Preparing");
        for (String id : ids.subList(SLOTS, LAYERS)) expectedStart.add(id + ": Waiting");
        assertThat(lines.subList(0, expectedStart.size())).containsExactlyElementsOf(expectedStart);
        List<String> pushed = new ArrayList<>();
        for (String id : ids) pushed.add(id + ": Pushed");
        assertThat(lines.subList(expectedStart.size(), expectedStart.size() + LAYERS)).containsExactlyInAnyOrderElementsOf(pushed);
        String digest = new RegistryHttp(target.url()).manifest("test/cli", "1").digest();
        assertThat(lines.get(lines.size() - 1)).startsWith("1: digest: " + digest + " size: ");
        assertThat(lines).hasSize(expectedStart.size() + LAYERS + 1);
    }
}
