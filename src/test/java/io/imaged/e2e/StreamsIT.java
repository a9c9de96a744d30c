package io.imaged.e2e;

import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Tars;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 8, items 6 and 9: open event streams and stalled uploads hold no Tomcat worker, so the CLI's path on the
 * socket keeps answering; a body that stops is cut by imaged.request-body-timeout and stores nothing; a client
 * that leaves mid-load is one log line; SIGTERM ends open event streams and imaged exits within seconds, keeping
 * what was written.
 */
@ImagedTest(tools = "curl")
@Isolated // its answers under load must come within 2 s: it runs alone
class StreamsIT {
    private static final int EVENT_STREAMS = 200;
    private static final int STALLED_UPLOADS = 250;

    @TempDir
    Path dir;

    @Test
    void shutdownEndsOpenEventStreamsAndKeepsWhatWasWritten(@Imaged ImagedProcess imaged, @Cli DockerCli docker) throws Exception {
        List<Process> clients = new ArrayList<>();
        try {
            docker.run(new ByteArrayInputStream(Tars.of(Map.of("f.txt", "shutdown\n"))), "import", "-", "localhost/stop/base:1").ok();
            List<Path> outputs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Path out = dir.resolve("events-" + i + ".txt");
                clients.add(client(imaged, out, "docker", "events", "--format", "{{.Action}} {{.Actor.Attributes.name}}"));
                outputs.add(out);
            }
            Path curlOut = dir.resolve("events-curl.txt");
            clients.add(client(imaged, curlOut, "curl", "-sN", "--unix-socket", imaged.socket().toString(), "http://localhost/v1.41/events"));
            outputs.add(curlOut);
            // every client is streaming once it has seen a tag made after it connected
            awaitAll(outputs, () -> docker.run("tag", "localhost/stop/base:1", "localhost/stop/probe:" + System.nanoTime()).ok(), "stop/probe");

            docker.run("tag", "localhost/stop/base:1", "localhost/stop/kept:1").ok(); // acknowledged just before SIGTERM
            long t0 = System.nanoTime();
            imaged.stop(); // SIGTERM; kills only after 20 s
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(imaged.alive()).isFalse();
            assertThat(seconds).as("exit after SIGTERM with open event streams (was ~32 s)").isLessThan(5.0);
            for (Process c : clients) {
                assertThat(c.waitFor(5, TimeUnit.SECONDS)).as("the event client's stream was ended").isTrue();
            }
            assertThat(imaged.logText()).contains("ending 4 open event stream(s)");

            imaged.launch();
            assertThat(docker.run("image", "inspect", "--format", "{{.Id}}", "localhost/stop/kept:1").exitCode()).isZero();
        } finally {
            for (Process c : clients) c.destroyForcibly();
        }
    }

    @Test
    void streamsAndStalledUploadsLeaveTheSocketResponsive(@Imaged(args = "--imaged.request-body-timeout=3s") ImagedProcess imaged,
                                                          @Cli DockerCli docker) throws Exception {
        List<SocketChannel> events = new ArrayList<>();
        List<SocketChannel> uploads = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            docker.run(new ByteArrayInputStream(Tars.of(Map.of("f.txt", "load\n"))), "import", "-", "localhost/streams/base:1").ok();
            List<String> imagesBefore = docker.run("images", "-a", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}").ok().lines();

            for (int i = 0; i < EVENT_STREAMS; i++) {
                events.add(send(imaged.socket(), "GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            }
            // a layer tar whose first file stops after 20 kB of its 1 MB: the reader blocks inside the entry
            byte[] tar = Tars.of(Map.of("big.bin", "x".repeat(1 << 20)));
            byte[] partial = java.util.Arrays.copyOf(tar, 20_000);
            for (int i = 0; i < STALLED_UPLOADS; i++) {
                String path = i % 2 == 0 ? "/images/load" : "/images/create?fromSrc=-&repo=localhost/stalled/x&tag=" + i;
                byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-tar\r\n"
                        + "Content-Length: " + tar.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                byte[] req = new byte[head.length + partial.length];
                System.arraycopy(head, 0, req, 0, head.length);
                System.arraycopy(partial, 0, req, head.length, partial.length);
                uploads.add(send(imaged.socket(), req));
            }

            // Tomcat works through the burst of 450 requests first (each hands its work off at once); then the
            // CLI's path answers promptly while all of them are still open (before: every /_ping timed out)
            long burst = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (exchange(imaged.socket(), "/_ping", 2_000) == null) {
                assertThat(System.nanoTime()).as("/_ping answers within 20 s of the burst").isLessThan(burst);
            }
            for (int round = 0; round < 3; round++) {
                for (String path : List.of("/_ping", "/version", "/images/json", "/images/localhost/streams/base:1/json")) {
                    long t = System.nanoTime();
                    String answer = exchange(imaged.socket(), path, 2_000);
                    assertThat(answer).as(path + " under load").isNotNull().startsWith("HTTP/1.1 200");
                    assertThat((System.nanoTime() - t) / 1e9).as(path + " seconds").isLessThan(2.0);
                }
            }
            assertThat(docker.run("images").ok().stdout()).contains("localhost/streams/base");

            // every one of the 200 event streams is alive and gets a new event
            docker.run("tag", "localhost/streams/base:1", "localhost/streams/seen:1").ok();
            Map<SocketChannel, StringBuilder> seen = readUntil(selector, events, s -> s.contains("streams/seen:1"), 20);
            assertThat(seen.values()).allSatisfy(s -> assertThat(s.toString()).startsWith("HTTP/1.1 200").contains("streams/seen:1"));

            // the stalled uploads are cut by the 3 s body timeout (250 on a pool of 128: two rounds), each with a
            // 400 {"message"} or, when Tomcat's timeout wins the race, a closed connection; never a 5xx or a 200
            Map<SocketChannel, StringBuilder> ends = readUntil(selector, uploads, null, 45);
            int answered400 = 0;
            for (StringBuilder s : ends.values()) {
                String answer = s.toString();
                if (answer.isEmpty()) continue;
                assertThat(answer).startsWith("HTTP/1.1 400").contains("no request body data received for 3s");
                answered400++;
            }
            assertThat(answered400).as("stalled uploads answered 400").isPositive();
            List<String> imagesAfter = docker.run("images", "-a", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}").ok().lines();
            assertThat(imagesAfter.stream().map(l -> l.split(" ")[0]).distinct())
                    .as("nothing of the stalled uploads was stored")
                    .containsExactlyInAnyOrderElementsOf(imagesBefore.stream().map(l -> l.split(" ")[0]).distinct().toList());
            assertThat(imagesAfter).noneMatch(l -> l.contains("stalled"));
            assertThat(leftovers(imaged.dataRoot().resolve("blobs/tmp"))).as("no temp files left").isEmpty();

            // item 15: a client that leaves in the middle of a load is one line in the log, not a stack trace
            try (SocketChannel gone = send(imaged.socket(), ("POST /images/load HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
                    + tar.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII))) {
                gone.write(ByteBuffer.wrap(partial));
                // leave once the load is reading, as `docker load` interrupted mid-upload does; a client that closes
                // before Tomcat has handed the request to the upload pool hits a known race (closing note, issue 8)
                Thread.sleep(500);
            }
            long logged = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!imaged.logText().contains("load: the client went away")) {
                assertThat(System.nanoTime()).as("the aborted load is logged").isLessThan(logged);
                Thread.sleep(100);
            }
            String log = imaged.logText();
            assertThat(log).doesNotContain("\tat ").doesNotContain(" ERROR ");
            assertThat(leftovers(imaged.dataRoot().resolve("blobs/tmp"))).isEmpty();
        } finally {
            for (SocketChannel c : events) c.close();
            for (SocketChannel c : uploads) c.close();
        }
    }

    private static Process client(ImagedProcess imaged, Path out, String... cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("DOCKER_HOST", imaged.dockerHost());
        pb.environment().put("DOCKER_CONFIG", out.getParent().resolve("docker-config").toString());
        pb.environment().remove("DOCKER_CONTEXT");
        return pb.start();
    }

    /** Repeats {@code action} until every file shows {@code marker} (bounded: 30 s). */
    private static void awaitAll(List<Path> files, Runnable action, String marker) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            action.run();
            boolean all = true;
            for (Path f : files) all &= Files.exists(f) && Files.readString(f).contains(marker);
            if (all) return;
            assertThat(System.nanoTime()).as("every event client sees a new tag").isLessThan(deadline);
            Thread.sleep(300);
        }
    }

    private static SocketChannel send(Path socket, byte[] request) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        ch.write(ByteBuffer.wrap(request));
        return ch;
    }

    /** One GET with {@code Connection: close} over the socket; the whole answer, or null after {@code millis}. */
    private static String exchange(Path socket, String path, long millis) throws IOException {
        try (SocketChannel ch = send(socket, ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII)); Selector sel = Selector.open()) {
            ch.configureBlocking(false);
            ch.register(sel, SelectionKey.OP_READ);
            StringBuilder sb = new StringBuilder();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (System.nanoTime() < deadline) {
                sel.select(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                sel.selectedKeys().clear();
                buf.clear();
                int n = ch.read(buf);
                if (n < 0) return sb.toString();
                sb.append(new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1));
            }
            return null;
        }
    }

    /**
     * Reads the channels until each has shown {@code done} (or, when null, has been closed by the server);
     * fails after {@code seconds}. Returns what each sent.
     */
    private static Map<SocketChannel, StringBuilder> readUntil(Selector sel, List<SocketChannel> channels,
                                                                java.util.function.Predicate<String> done, int seconds) throws IOException {
        Map<SocketChannel, StringBuilder> got = new HashMap<>();
        Map<SocketChannel, SelectionKey> keys = new HashMap<>();
        for (SocketChannel c : channels) {
            got.put(c, new StringBuilder());
            if (c.isBlocking()) c.configureBlocking(false);
            keys.put(c, c.keyFor(sel) != null ? c.keyFor(sel) : c.register(sel, SelectionKey.OP_READ));
        }
        java.util.Set<SocketChannel> open = new java.util.HashSet<>(channels);
        ByteBuffer buf = ByteBuffer.allocate(64 << 10);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!open.isEmpty()) {
            assertThat(System.nanoTime()).as(open.size() + " streams still waiting").isLessThan(deadline);
            sel.select(200);
            for (SelectionKey k : sel.selectedKeys()) {
                SocketChannel c = (SocketChannel) k.channel();
                if (!open.contains(c)) continue;
                buf.clear();
                int n;
                try {
                    n = c.read(buf);
                } catch (IOException reset) {
                    n = -1;
                }
                if (n > 0) got.get(c).append(new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1));
                if (n < 0) {
                    k.cancel();
                    open.remove(c);
                    continue;
                }
                if (done != null && done.test(got.get(c).toString())) open.remove(c);
            }
            sel.selectedKeys().clear();
        }
        return got;
    }

    private static List<Path> leftovers(Path tmp) throws IOException {
        if (!Files.exists(tmp)) return List.of();
        try (Stream<Path> s = Files.walk(tmp)) {
            return s.filter(p -> !p.equals(tmp)).toList();
        }
    }
}
