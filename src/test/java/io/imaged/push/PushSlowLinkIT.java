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
import io.imaged.testsupport.TarBuilder;
import io.imaged.testsupport.ThrottleProxy;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A layer whose upload takes longer than {@code imaged.registry.read-timeout} (here 3 s; 60 s by default) still
 * goes up: the timeout bounds waiting for the registry's answer, not sending a big body over a slow link (dockerd
 * has no such limit either). 6 MiB through a {@link ThrottleProxy} at 1 MiB/s.
 */
@ImagedTest
class PushSlowLinkIT {
    private static final Pattern DIGEST_LINE = Pattern.compile("(?m)^1: digest: (sha256:[a-f0-9]{64}) size: (\\d+)$");
    @Imaged(args = "--imaged.registry.read-timeout=3s")
    static ImagedProcess imaged;
    @Registry
    static RegistryProcess registry;
    @Proxy(rate = 1 << 20)
    static ThrottleProxy proxy;
    @Cli
    static DockerCli docker;

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
