package io.imaged.e2e;

import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Tars;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The walk-through with the real docker CLI, step by step, checked against the reference dockerd
 * transcripts (docs/reference/dockerd-local-commands.md): output, exit codes, error wording. Times and IDs
 * are left out of the formats; everything else is compared exactly.
 */
@ImagedTest
class LocalCommandsWalkthroughIT {
    @Imaged
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;

    private static String importTar(Map<String, String> files, String... args) {
        String id = docker.run(new ByteArrayInputStream(Tars.of(files)), args).ok().stdout().trim();
        assertThat(id).matches("sha256:[0-9a-f]{64}");
        return id;
    }

    private static String shortId(String id) {
        return id.substring(7, 19);
    }

    @Test
    void walkThrough() {
        assertThat(docker.run("version", "--format", "{{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Server.Os}}").ok().stdout())
                .isEqualTo("1.50 1.12 linux\n");
        assertThat(docker.run("info", "--format", "{{.Images}} {{.Driver}} {{.OSType}} {{.DockerRootDir}}").ok().stdout())
                .isEqualTo("0 imaged linux " + imaged.dataRoot() + "\n");

        // 45 bytes of files, as the reference rootfs: sizes count file bytes and symlink targets
        String base = importTar(Map.of("etc/hello.txt", "hello\n", "data/sub/file.txt", "file\n", "bin/sh", "#!/bin/true\nexit 0"),
                "import", "-c", "CMD [\"sh\"]", "-c", "LABEL team=core", "-m", "first", "-", "demo/base:1");
        String second = importTar(Map.of("opt/two.txt", "two two two!\n"), "import", "-m", "second", "-", "demo/second:1");
        String dangling = importTar(Map.of("srv/three.txt", "three\n"), "import", "-");

        assertThat(docker.run("images", "--format", "{{.Repository}} {{.Tag}} {{.ID}} {{.Size}}").ok().lines()).containsExactly(
                "<none> <none> " + shortId(dangling) + " 6B",
                "demo/second 1 " + shortId(second) + " 13B",
                "demo/base 1 " + shortId(base) + " 29B");
        assertThat(docker.run("images", "-a", "--digests", "--no-trunc", "--format", "{{.Repository}} {{.Digest}} {{.ID}}").ok().lines())
                .contains("demo/base <none> " + base);
        assertThat(docker.run("images", "--filter", "dangling=true", "-q").ok().stdout()).isEqualTo(shortId(dangling) + "\n");
        assertThat(docker.run("images", "--filter", "label=team=core", "--filter", "reference=demo/*", "-q").ok().stdout())
                .isEqualTo(shortId(base) + "\n");
        assertThat(docker.run("images", "--filter", "since=demo/base:1", "-q").ok().lines())
                .containsExactly(shortId(dangling), shortId(second));
        assertThat(docker.run("images", "--filter", "before=demo/second:1", "-q").ok().lines()).containsExactly(shortId(base));
        assertThat(docker.run("images", "--filter", "until=10m", "-q").ok().lines()).isEmpty();
        assertThat(docker.run("images", "--filter", "reference=demo/comp:b*", "-q").ok().stdout()).isEmpty();
        DockerCli.Result badFilter = docker.run("images", "--filter", "foo=bar");
        assertThat(badFilter.exitCode()).isEqualTo(1);
        assertThat(badFilter.stderr()).isEqualTo("Error response from daemon: Invalid filter 'foo'\n");
        assertThat(docker.run("images", "--filter", "dangling=maybe").stderr())
                .isEqualTo("Error response from daemon: Invalid filter 'dangling=[maybe]'\n");

        // an old client (API 1.41) sees the same table; its raw answer has the <none> placeholders
        assertThat(docker.withApiVersion("1.41").run("images", "--format", "{{.Repository}} {{.Tag}} {{.ID}}").ok().lines())
                .containsExactly("<none> <none> " + shortId(dangling), "demo/second 1 " + shortId(second), "demo/base 1 " + shortId(base));
        assertThat(docker.withApiVersion("1.41").run("image", "inspect", "--format", "{{.ContainerConfig.Hostname}}|{{.VirtualSize}}", base)
                .ok().stdout()).isEqualTo("|29\n");

        assertThat(docker.run("image", "inspect", "--format", "{{json .Config.Cmd}} {{json .Config.Labels}} {{.Comment}} {{.Size}}",
                "demo/base:1").ok().stdout()).isEqualTo("[\"sh\"] {\"team\":\"core\"} first 29\n");
        DockerCli.Result missing = docker.run("image", "inspect", "nonexistent");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stdout()).isEqualTo("[]\n");
        assertThat(missing.stderr()).isEqualTo("Error response from daemon: No such image: nonexistent:latest\n");
        assertThat(docker.run("image", "inspect", "Foo:bar").stderr())
                .isEqualTo("Error response from daemon: invalid reference format: repository name must be lowercase\n");

        assertThat(docker.run("history", "--format", "{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}", "demo/base:1").ok().stdout())
                .isEqualTo(shortId(base) + "||29B|first\n");
        assertThat(docker.run("history", "nonexistent").stderr()).isEqualTo("Error response from daemon: No such image: nonexistent:latest\n");

        docker.run("tag", "demo/base:1", "example.com:5000/team/base:v2").ok();
        docker.run("tag", "demo/base:1", "demo/base:alias").ok();
        docker.run("tag", "demo/base:1", "demo/base").ok();
        assertThat(docker.run("images", "demo/base", "--format", "{{.Repository}} {{.Tag}}").ok().lines())
                .containsExactly("demo/base 1", "demo/base alias", "demo/base latest");
        assertThat(docker.run("tag", "nonexistent", "demo/x:1").stderr())
                .isEqualTo("Error response from daemon: No such image: nonexistent:latest\n");

        assertThat(docker.run("rmi", "demo/base:1").ok().stdout()).isEqualTo("Untagged: demo/base:1\n");
        DockerCli.Result conflict = docker.run("rmi", shortId(base));
        assertThat(conflict.exitCode()).isEqualTo(1);
        assertThat(conflict.stderr()).isEqualTo("Error response from daemon: conflict: unable to delete " + shortId(base)
                + " (must be forced) - image is referenced in multiple repositories\n");
        String forced = docker.run("rmi", "-f", shortId(base)).ok().stdout();
        assertThat(forced).startsWith("Untagged: demo/base:alias\nUntagged: demo/base:latest\nUntagged: example.com:5000/team/base:v2\n"
                + "Deleted: " + base + "\nDeleted: sha256:");
        assertThat(forced.lines()).hasSize(5);
        DockerCli.Result notFound = docker.run("rmi", "nonexistent");
        assertThat(notFound.exitCode()).isEqualTo(1);
        assertThat(notFound.stderr()).isEqualTo("Error response from daemon: No such image: nonexistent:latest\n");

        String core = importTar(Map.of("core.txt", "core\n"), "import", "-c", "LABEL team=core", "-", "demo/core:1");
        String danglingLayer = docker.run("image", "inspect", "--format", "{{index .RootFS.Layers 0}}", dangling).ok().stdout().trim();
        assertThat(docker.run("image", "prune", "-f").ok().stdout())
                .isEqualTo("Deleted Images:\ndeleted: " + dangling + "\ndeleted: " + danglingLayer + "\n\nTotal reclaimed space: 6B\n");
        assertThat(docker.run("image", "prune", "-f").ok().stdout()).isEqualTo("Total reclaimed space: 0B\n");
        String pruned = docker.run("image", "prune", "-a", "-f", "--filter", "label=team=core").ok().stdout();
        assertThat(pruned).startsWith("Deleted Images:\nuntagged: demo/core:1\ndeleted: " + core + "\n").endsWith("Total reclaimed space: 5B\n");
        assertThat(docker.run("image", "prune", "-f", "--filter", "foo=bar").stderr()).isEqualTo("Error response from daemon: Invalid filter 'foo'\n");

        assertThat(docker.run("system", "df", "--format", "{{.Type}} {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}").ok().lines())
                .containsExactly("Images 1 0 13B 13B (100%)", "Containers 0 0 0B 0B", "Local Volumes 0 0 0B 0B", "Build Cache 0 0 0B 0B");
        assertThat(docker.run("images", "-q").ok().stdout()).isEqualTo(shortId(second) + "\n");
    }
}
