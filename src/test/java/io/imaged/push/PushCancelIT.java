package io.imaged.push;

import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Proxy;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryHttp;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.TarBuilder;
import io.imaged.testsupport.TestImages;
import io.imaged.testsupport.ThrottleProxy;
import io.imaged.testsupport.WorkDir;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A push whose client goes away mid-upload (the docker CLI killed; a raw HTTP connection closed) stops at once, as
 * the API promises ("The push is cancelled if the HTTP connection is closed") and dockerd does: the registry stops
 * receiving bytes, imaged logs the cancel and keeps no thread in the push, the registry gets no manifest, and the
 * next push succeeds with the same manifest digest as a push that was never interrupted.
 * A {@link ThrottleProxy} in front of the real registry slows uploads to 1 MiB/s so the client can leave
 * in the middle of it.
 */
@ImagedTest
class PushCancelIT {
    private static final Pattern DIGEST_LINE = Pattern.compile("(?m)^1: digest: (sha256:[a-f0-9]{64}) size: (\\d+)$");
    private static final long RATE = 1 << 20;
    private static final int SIZE = 32 << 20;
    @WorkDir
    static Path dir;
    // one upload slot: a slot the cancelled push did not give back would make every later push wait forever
    @Imaged(args = "--imaged.max-concurrent-uploads=1")
    static ImagedProcess imaged;
    @Registry
    static RegistryProcess registry;
    @Registry
    static RegistryProcess other;
    @Proxy(of = "registry", rate = RATE)
    static ThrottleProxy proxy;
    @Cli
    static DockerCli docker;

    /** An image of one layer holding {@link #SIZE} random bytes (it stays that big compressed). */
    private static void importBig(String ref, long seed) {
        byte[] data = new byte[SIZE];
        new Random(seed).nextBytes(data);
        byte[] tar = new TarBuilder().file("big.bin", data).build();
        docker.run(new ByteArrayInputStream(tar), "import", "-", ref).ok();
    }

    @Test
    void killedCliStopsTheUploadAndTheNextPushSucceedsWithTheSameDigest() throws Exception {
        String ref = proxy.host() + "/test/big:1";
        importBig(ref, 1);
        proxy.rate(RATE);
        long before = proxy.bytesUp();
        int endedBefore = proxy.endedConnections().size();
        proxy.resetConnectionCounts();

        Path out = dir.resolve("push-cli.out");
        Process cli = docker.start(out, "push", ref);
        awaitUploadUnderway(before);
        assertThat(cli.isAlive()).as(Files.readString(out)).isTrue();
        cli.destroyForcibly();
        assertThat(cli.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(out)).contains("Preparing");

        assertUploadStopped(before, endedBefore, "push of " + ref + " cancelled: the client went away");
        pushAgainAndCompare(ref, "test/big");
    }

    @Test
    void closedApiConnectionStopsTheUpload() throws Exception {
        // three layers: with one slot, two of them wait in the queue when the client leaves
        RegistrySeeder seeder = new RegistrySeeder(other.url());
        Random random = new Random(2);
        List<TestImages.Layer> layers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // bigger than the socket buffers, so the upload is still reading its blob when the client leaves
            byte[] data = new byte[12 << 20];
            random.nextBytes(data);
            byte[] tar = new TarBuilder().file("layer" + i, data).build();
            layers.add(new TestImages.Layer(TestImages.gzip(tar), "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "application/vnd.oci.image.layer.v1.tar+gzip", RegistrySeeder.sha256(tar)));
        }
        byte[] manifest = TestImages.manifest(seeder, "test/raw", TestImages.config(layers, "linux", "amd64", null, "raw"), layers, false);
        seeder.manifest("test/raw", "1", TestImages.DOCKER_MANIFEST, manifest);
        docker.run("pull", other.host() + "/test/raw:1").ok();
        String ref = proxy.host() + "/test/raw:1";
        docker.run("tag", other.host() + "/test/raw:1", ref).ok();
        proxy.rate(RATE);
        long before = proxy.bytesUp();
        int endedBefore = proxy.endedConnections().size();
        proxy.resetConnectionCounts();

        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), imaged.port())) {
            OutputStream o = s.getOutputStream();
            o.write(("POST /v1.50/images/" + proxy.host() + "/test/raw/push?tag=1 HTTP/1.1\r\nHost: localhost\r\n"
                    + "X-Registry-Auth: e30=\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            o.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 ");
            String line;
            int waiting = 0;
            do {
                line = in.readLine();
                assertThat(line).as("the stream ended before the upload started").isNotNull();
                if (line.contains("\"Waiting\"")) waiting++;
            } while (!line.contains("\"Pushing\""));
            assertThat(waiting).isEqualTo(2);
            awaitUploadUnderway(before);
        } // closed mid-upload

        assertUploadStopped(before, endedBefore, "push of " + ref + " cancelled: the client went away");
        pushAgainAndCompare(ref, "test/raw");
    }

    private static void awaitUploadUnderway(long before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (proxy.bytesUp() - before < (2 << 20)) {
            assertThat(System.nanoTime()).as("the upload never started").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /**
     * imaged closes the upload's connection (an upload that went on would keep it open, and a finished one leaves it
     * open in the client's pool) after well under half the blob, and nothing more reaches the registry; the cancel is
     * logged and no thread is left in the push.
     */
    private static void assertUploadStopped(long before, int endedBefore, String logLine) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (proxy.endedConnections().stream().skip(endedBefore).noneMatch(b -> b >= (2 << 20))) {
            assertThat(System.nanoTime()).as("the upload connection was not closed: " + proxy.endedConnections() + " "
                    + imaged.logText()).isLessThan(deadline);
            Thread.sleep(100);
        }
        long uploaded = proxy.endedConnections().stream().skip(endedBefore).filter(b -> b >= (2 << 20)).findFirst().orElseThrow();
        assertThat(uploaded).as("bytes of the blob sent before the upload stopped").isLessThan(SIZE / 2);
        long last = proxy.bytesUp();
        assertThat(last - before).as("bytes sent to the registry").isLessThan(SIZE / 2);

        while (!imaged.logText().contains(logLine)) {
            assertThat(System.nanoTime()).as(imaged.logText()).isLessThan(deadline);
            Thread.sleep(100);
        }
        String threads;
        do {
            Process jstack = new ProcessBuilder("jstack", String.valueOf(imaged.pid())).redirectErrorStream(true).start();
            threads = new String(jstack.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jstack.waitFor(30, TimeUnit.SECONDS);
            if (!threads.contains("io.imaged.push.PushService") && !threads.contains("io.imaged.push.LayerUploads")) break;
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        assertThat(threads).as("imaged threads").contains("imaged-transfer-").doesNotContain("io.imaged.push.PushService")
                .doesNotContain("io.imaged.push.LayerUploads");
        Thread.sleep(1000);
        assertThat(proxy.bytesUp()).as("bytes sent after the cancel").isEqualTo(last);
    }

    /**
     * imaged still works: the same push (unthrottled) succeeds, the registry has the manifest and the whole layer,
     * and the manifest is the one a push that was never interrupted gives (another registry).
     */
    private static void pushAgainAndCompare(String ref, String repo) throws Exception {
        RegistryHttp reg = new RegistryHttp(registry.url());
        assertThat(reg.manifest(repo, "1").status()).isEqualTo(404);
        proxy.rate(0);
        DockerCli.Result again = docker.run("push", ref).ok();
        Matcher m = DIGEST_LINE.matcher(again.stdout());
        assertThat(m.find()).as(again.stdout()).isTrue();
        String digest = m.group(1);
        RegistryHttp.Manifest stored = reg.manifest(repo, "1");
        assertThat(stored.digest()).isEqualTo(digest);
        String layer = stored.text().replaceAll("(?s).*\"layers\".*?\"digest\":\\s*\"(sha256:[a-f0-9]{64})\".*", "$1");
        assertThat(reg.blobStatus(repo, layer)).isEqualTo(200);

        String clean = other.host() + "/" + repo + ":1";
        docker.run("tag", ref, clean).ok();
        Matcher c = DIGEST_LINE.matcher(docker.run("push", clean).ok().stdout());
        assertThat(c.find()).isTrue();
        assertThat(c.group(1)).isEqualTo(digest);

        assertThat(docker.run("image", "inspect", "--format", "{{json .RepoDigests}}", ref).ok().stdout())
                .contains(proxy.host() + "/" + repo + "@" + digest, other.host() + "/" + repo + "@" + digest);
        List<String> images = docker.run("images", "--format", "{{.Repository}}:{{.Tag}}").ok().lines();
        assertThat(images).contains(ref, clean);
    }
}
