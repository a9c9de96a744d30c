package io.imaged.e2e;

import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedJvm;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The unix socket listener: its mode, a stale socket file, and a socket another server still answers on. */
@ImagedTest
class ListenerIT {
    @TempDir
    Path dir;

    @Test
    void aLiveSocketMakesASecondServerFailWithAClearMessage(@Imaged ImagedProcess first, DockerCli cli) throws Exception {
        Path log = dir.resolve("second.log");
        List<String> cmd = ImagedJvm.command();
        cmd.addAll(List.of("--imaged.data-root=" + dir.resolve("second-data"), "--imaged.hosts=unix://" + first.socket()));
        Process second = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(second.waitFor(90, TimeUnit.SECONDS)).as("the second server gives up").isTrue();
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(second.exitValue()).isNotZero();
        assertThat(out).contains("APPLICATION FAILED TO START",
                "another daemon is already listening on unix://" + first.socket(),
                "Stop the daemon that serves unix://" + first.socket());
        // the first server still owns its socket
        assertThat(Files.exists(first.socket())).isTrue();
        assertThat(cli.run("version", "--format", "{{.Server.APIVersion}}").ok().stdout().trim()).isEqualTo("1.50");
    }

    @Test
    void aStaleSocketFileIsReplacedAndTheSocketIsGroupOnly() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Path socket = data.resolve("imaged.sock");
        // a socket file nobody listens on any more, as a crashed daemon leaves it
        try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(Files.exists(socket)).isTrue();
        try (ImagedProcess imaged = ImagedProcess.start(dir)) {
            assertThat(imaged.socket()).isEqualTo(socket);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw----");
            DockerCli docker = new DockerCli(imaged.dockerHost(), dir.resolve("cfg"));
            assertThat(docker.run("version", "--format", "{{.Server.Version}}").ok().stdout().trim()).isNotEmpty();
            // both listeners serve the same API
            assertThat(new DockerCli("tcp://127.0.0.1:" + imaged.port(), dir.resolve("cfg")).run("info", "--format", "{{.DockerRootDir}}")
                    .ok().stdout().trim()).isEqualTo(imaged.dataRoot().toString());
        }
    }

}
