package io.imaged.e2e;

import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.Tars;
import io.imaged.testsupport.Tools;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The data root is private, as dockerd's /var/lib/docker: the root 0710 (its group reaches the socket, nothing else),
 * every directory under it 0700, every file 0600 (images may hold secrets), the socket 0660. On a fresh root after
 * import, push, pull, save and load, and on a root an older imaged left 0755/0644.
 */
@ImagedTest
@Order(1) // one of the longest: started first
class DataRootModesIT {
    @TempDir
    Path dir;

    /** Every path under the root with a mode that is not the private one, as "relative path: mode". */
    private static Map<String, String> wrongModes(Path root) throws IOException {
        Map<String, String> wrong = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String mode = PosixFilePermissions.toString(a.permissions());
                String expected = p.equals(root) ? "rwx--x---" : a.isDirectory() ? "rwx------"
                        : a.isRegularFile() ? "rw-------" : a.isOther() ? "rw-rw----" : mode;
                if (!mode.equals(expected)) wrong.put(root.relativize(p).toString(), mode + " (want " + expected + ")");
            }
        }
        return wrong;
    }

    private static long count(Path root, boolean directories) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> directories ? Files.isDirectory(p) : Files.isRegularFile(p)).count();
        }
    }

    /** Import, push, pull, save and load: every kind of file the store writes. */
    private static void useEveryPart(DockerCli docker, RegistryProcess registry, String name) {
        String ref = registry.host() + "/modes/" + name + ":1";
        docker.run(new ByteArrayInputStream(Tars.of(Map.of("secret.txt", "private " + name + "\n"))), "import", "-", ref).ok();
        docker.run("push", ref).ok();
        docker.run("rmi", ref).ok();
        assertThat(docker.run("pull", ref).ok().stdout()).contains("Downloaded newer image");
        byte[] saved = docker.runBytes("save", ref);
        docker.run("rmi", ref).ok();
        docker.run(new ByteArrayInputStream(saved), "load").ok();
        docker.run("tag", ref, "localhost/modes/" + name + ":copy").ok();
    }

    @Test
    void freshRootIsPrivateAfterImportPushPullSaveAndLoad(@Registry RegistryProcess registry, @Imaged ImagedProcess imaged,
                                                          @Cli DockerCli docker) throws Exception {
        useEveryPart(docker, registry, "fresh");
        Path root = imaged.dataRoot();
        assertThat(count(root.resolve("blobs/sha256"), false)).isPositive(); // the layer
        assertThat(root.resolve("references/references.log")).exists();
        assertThat(wrongModes(root)).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(imaged.socket()))).isEqualTo("rw-rw----");
    }

    @Test
    void anOpenRootFromAnOlderImagedIsMadePrivateAtStartup(@Registry RegistryProcess registry, @Imaged ImagedProcess imaged,
                                                           @Cli DockerCli docker) throws Exception {
        useEveryPart(docker, registry, "old");
        imaged.stop();
        Path root = imaged.dataRoot();
        // what an imaged before this change left: 0755 directories, 0644 files, and no marker
        Files.delete(root.resolve("private-modes"));
        run("chmod", "-R", "u=rwX,go=rX", root.toString());
        assertThat(wrongModes(root)).hasSizeGreaterThan(10);

        imaged.launch();
        assertThat(wrongModes(root)).isEmpty();
        assertThat(root.resolve("private-modes")).exists();
        assertThat(docker.run("images", "--format", "{{.Repository}}:{{.Tag}}").ok().stdout())
                .contains("localhost/modes/old:copy");

        // with the marker there, a start fixes the root and its entries without walking the tree again
        imaged.stop();
        run("chmod", "0755", root.toString(), root.resolve("blobs").toString(), root.resolve("references").toString());
        imaged.launch();
        assertThat(wrongModes(root)).isEmpty();
        useEveryPart(docker, registry, "after");
        assertThat(wrongModes(root)).isEmpty();
        imaged.stop();
    }

    /**
     * As root: a user in the socket's group reaches the daemon through the 0710 root, and can read nothing in it;
     * a user outside the group cannot even connect.
     */
    @Test
    void theSocketsGroupCanConnectButReadsNothing() throws Exception {
        Tools.require("setpriv", "curl");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to act as another user");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x")); // let others pass to the root
        try (ImagedProcess imaged = ImagedProcess.start(dir)) {
            Path root = imaged.dataRoot();
            int gid = (Integer) Files.getAttribute(imaged.socket(), "unix:gid");
            assertThat(Files.getAttribute(root, "unix:gid")).isEqualTo(gid);
            new DockerCli(imaged.dockerHost(), dir.resolve("docker-config"))
                    .run(new ByteArrayInputStream(Tars.of(Map.of("secret.txt", "private\n"))), "import", "-", "localhost/modes/group:1").ok();
            String ping = "curl -sS --max-time 10 --unix-socket " + imaged.socket() + " http://localhost/_ping";

            Result inGroup = asNobody(gid, ping);
            assertThat(inGroup.out()).as(inGroup.toString()).isEqualTo("OK");
            Result listing = asNobody(gid, "ls " + root.resolve("blobs/sha256"));
            assertThat(listing.exit()).as(listing.toString()).isNotZero();
            assertThat(listing.out()).contains("Permission denied");
            Result reading = asNobody(gid, "cat " + root.resolve("references/references.snapshot"));
            assertThat(reading.exit()).as(reading.toString()).isNotZero();

            Result outside = asNobody(-1, ping);
            assertThat(outside.exit()).as(outside.toString()).isNotZero();
            assertThat(outside.out()).doesNotContain("OK");
        }
    }

    private record Result(int exit, String out) {
    }

    /** Runs a shell command as uid/gid 65534, with {@code group} as its only supplementary group (none when negative). */
    private static Result asNobody(int group, String command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534"));
        cmd.add(group < 0 ? "--clear-groups" : "--groups=" + group);
        cmd.addAll(List.of("sh", "-c", command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return new Result(p.waitFor(), out);
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }
}
