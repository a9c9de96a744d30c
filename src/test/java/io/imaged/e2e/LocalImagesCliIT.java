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

/** The real docker CLI against the packaged imaged: import, list, inspect, tag, rmi. */
@ImagedTest
class LocalImagesCliIT {
    @Imaged
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;

    @Test
    void importThenListInspectTagAndRemove() {
        byte[] tar = Tars.of(Map.of("bin/hello", "hello\n", "etc/motd", "welcome\n"));
        String id = docker.run(new ByteArrayInputStream(tar), "import", "-c", "CMD [\"sh\"]", "-c", "LABEL team=core",
                "-m", "first", "-", "demo/base:1").ok().stdout().trim();
        assertThat(id).matches("sha256:[a-f0-9]{64}");

        String listed = docker.run("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}").ok().stdout();
        assertThat(listed).contains("demo/base:1 " + id.substring(7, 19) + " 14B");

        String labels = docker.run("image", "inspect", "--format", "{{json .Config.Labels}} {{.Comment}}", "demo/base:1").ok().stdout();
        assertThat(labels.trim()).isEqualTo("{\"team\":\"core\"} first");

        docker.run("tag", "demo/base:1", "example.com:5000/team/base:v2").ok();
        assertThat(docker.run("images", "--format", "{{.Repository}}:{{.Tag}}").ok().lines())
                .containsExactlyInAnyOrder("demo/base:1", "example.com:5000/team/base:v2");

        DockerCli.Result conflict = docker.run("rmi", id.substring(7, 19));
        assertThat(conflict.exitCode()).isEqualTo(1);
        assertThat(conflict.stderr()).contains("conflict: unable to delete " + id.substring(7, 19)
                + " (must be forced) - image is referenced in multiple repositories");

        assertThat(docker.run("rmi", "demo/base:1").ok().stdout().trim()).isEqualTo("Untagged: demo/base:1");
        String removed = docker.run("rmi", "example.com:5000/team/base:v2").ok().stdout();
        assertThat(removed).contains("Untagged: example.com:5000/team/base:v2", "Deleted: " + id);
        assertThat(docker.run("images", "-q").ok().stdout()).isEmpty();

        DockerCli.Result missing = docker.run("image", "inspect", "nonexistent");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).contains("No such image: nonexistent");
    }
}
