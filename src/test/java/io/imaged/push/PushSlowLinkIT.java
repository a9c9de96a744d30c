package io.imaged.push;

import io.imaged.testsupport.Tools;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.RegistryHttp;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.TarBuilder;
import io.imaged.testsupport.ThrottleProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A layer whose upload takes longer than {@code imaged.registry.read-timeout} (here 3 s; 60 s by default) still
 * goes up: the timeout bounds waiting for the registry's answer, not sending a big body over a slow link (dockerd
 * has no such limit either). 6 MiB through a {@link ThrottleProxy} at 1 MiB/s.
 */
class PushSlowLinkIT {
    private static final Pattern DIGEST_LINE = Pattern.compile("(?m)^1: digest: (sha256:[a-f0-9]{64}) size: (\\d+)$");
    @TempDir
    static Path dir;
    static ImagedProcess imaged;
    static RegistryProcess registry;
    static ThrottleProxy proxy;
    static DockerCli docker;

    @BeforeAll
    static void start() throws Exception {
        Tools.require("docker-registry", "docker");
        registry = RegistryProcess.start(dir.resolve("registry"));
        proxy = new ThrottleProxy(registry.port(), 1 << 20);
        imaged = ImagedProcess.start(dir, "--imaged.registry.read-timeout=3s");
        docker = new DockerCli(imaged.dockerHost(), dir.resolve("docker-config"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (imaged != null) imaged.stop();
        if (proxy != null) proxy.close();
        if (registry != null) registry.close();
    }

    @Test
    void anUploadLongerThanTheReadTimeoutSucceeds() throws Exception {
        byte[] data = new byte[6 << 20];
        new Random(3).nextBytes(data);
        String ref = proxy.host() + "/test/slow:1";
        docker.run(new ByteArrayInputStream(new TarBuilder().file("slow.bin", data).build()), "import", "-", ref).ok();

        long start = System.nanoTime();
        DockerCli.Result push = docker.run("push", ref).ok();
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertThat(seconds).as("the upload was throttled past the read timeout").isGreaterThanOrEqualTo(4);
        Matcher m = DIGEST_LINE.matcher(push.stdout());
        assertThat(m.find()).as(push.stdout()).isTrue();
        assertThat(new RegistryHttp(registry.url()).manifest("test/slow", "1").digest()).isEqualTo(m.group(1));
    }
}
