package io.imaged.api;

import io.imaged.testsupport.Tars;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /events} with an {@code until} in the past answers every buffered event, every time. The replay is
 * written with non-blocking IO; a client that reads slower than imaged writes (here: a small receive buffer) makes
 * writes that the socket takes only in part. Before the fix, the write after such a write threw and the stream
 * ended, so the newest events of the replay were missing (seen as an empty answer for the tag events in
 * OldApiVersionsTest#eventsBelowV122HaveTheOldShape during a full run, when the ring is full).
 */
class EventsReplayTest extends ApiTestSupport {
    private static final int TAGS = 200;
    private static final int ROUNDS = 25;

    @Test
    void pastOnlyReplayAnswersEveryEventEveryTime() throws IOException {
        given().contentType("application/x-tar").body(Tars.of(Map.of("r.txt", "replay\n")))
                .queryParam("fromSrc", "-").queryParam("repo", "replay/base").queryParam("tag", "1")
                .post("/images/create").then().statusCode(200);
        String pad = "x".repeat(40); // longer lines: the replay is well over the servlet and socket buffers
        List<String> names = IntStream.range(0, TAGS).mapToObj(i -> "replay/tag-" + pad + ":" + i).toList();
        for (int i = 0; i < TAGS; i++) {
            given().queryParam("repo", "replay/tag-" + pad).queryParam("tag", String.valueOf(i))
                    .post("/images/replay/base:1/tag").then().statusCode(201);
        }
        long ms = System.currentTimeMillis() + 1;
        String until = (ms / 1000) + "." + String.format("%03d", ms % 1000);

        for (int round = 0; round < ROUNDS; round++) {
            String version = List.of("1.20", "1.21", "1.41").get(round % 3);
            String body = slowGet("/v" + version + "/events?since=0&until=" + until);
            List<String> tagged = body.lines().filter(l -> l.contains("\"status\":\"tag\""))
                    .map(l -> l.replaceAll(".*\"(replay/tag-[^\"]*)\".*", "$1"))
                    .filter(n -> n.startsWith("replay/tag-")).toList();
            if (!version.equals("1.41")) {
                // below 1.22 an event has no attributes: count the tag events of this image's ID instead
                assertThat(body.lines().filter(l -> l.contains("\"status\":\"tag\"")).count())
                        .as("round " + round + " at " + version).isGreaterThanOrEqualTo(TAGS);
                assertThat(body).as("round " + round + " ends with a whole line").endsWith("}\n");
            } else {
                assertThat(tagged).as("round " + round + " at " + version).containsSubsequence(names).hasSize(TAGS);
            }
        }
    }

    /**
     * An HTTP/1.0 GET (the answer ends when the connection closes) through a 4 KiB receive buffer, read in small
     * pieces: imaged's non-blocking writes fill the socket and must wait for the client.
     */
    private String slowGet(String path) throws IOException {
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.setSoTimeout(20_000);
            s.connect(new InetSocketAddress("127.0.0.1", port));
            s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] buf = new byte[512];
            for (int n; (n = in.read(buf)) >= 0; ) all.write(buf, 0, n);
            String answer = all.toString(StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 200");
            return answer.substring(answer.indexOf("\r\n\r\n") + 4);
        }
    }
}
