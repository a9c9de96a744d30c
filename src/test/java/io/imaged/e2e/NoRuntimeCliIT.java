package io.imaged.e2e;

import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.FaultProxy;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Proxy;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.TestImages;
import io.imaged.testsupport.WorkDir;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real docker CLI through imaged's socket on the commands that need a container runtime: the lists print empty
 * tables, everything else prints imaged's 501 naming the operation, and {@code docker run} stops before it pulls
 * (the registry, behind a proxy that records every request, is never asked).
 */
@ImagedTest
class NoRuntimeCliIT {
    private static final String NO_RUNTIME = "Error response from daemon: imaged stores and moves images; it has no container runtime";
    @Registry
    static RegistryProcess registry;
    @Proxy
    static FaultProxy proxy;
    @Imaged
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;
    @WorkDir
    static Path work;

    @Test
    void listsAreEmptyTablesAndRuntimeCommandsFailBeforeAnyPull() throws Exception {
        TestImages.pushSmall(new RegistrySeeder(registry.url()), "test/small", "1");
        String ref = proxy.host() + "/test/small:1";

        for (String[] ps : new String[][]{{"ps"}, {"ps", "-a"}, {"container", "ls", "--all"}}) {
            DockerCli.Result r = docker.run(ps).ok();
            assertThat(r.stdout()).isEqualTo("CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n");
            assertThat(r.stderr()).isEmpty();
        }
        assertThat(docker.run("ps", "-aq").ok().stdout()).isEmpty();
        assertThat(docker.run("network", "ls").ok().stdout()).isEqualTo("NETWORK ID   NAME      DRIVER    SCOPE\n");
        assertThat(docker.run("volume", "ls").ok().stdout()).isEqualTo("DRIVER    VOLUME NAME\n");
        assertThat(docker.run("ps", "--filter", "status=running").ok().lines()).hasSize(1);

        DockerCli.Result run = docker.run("run", "--rm", ref, "true");
        assertThat(run.exitCode()).isEqualTo(125);
        assertThat(run.stderr()).isEqualTo("docker: " + NO_RUNTIME + " (container create)\n\nRun 'docker run --help' for more information\n");
        assertThat(run.stderr()).doesNotContain("Unable to find image");
        DockerCli.Result create = docker.run("create", ref);
        assertThat(create.exitCode()).isEqualTo(1);
        assertThat(create.stderr().trim()).isEqualTo(NO_RUNTIME + " (container create)");
        // no pull: the registry saw nothing, nothing was stored, no pull event
        assertThat(proxy.requests()).isEmpty();
        assertThat(docker.run("images", "-aq").ok().stdout()).isEmpty();
        String until = String.valueOf(System.currentTimeMillis() / 1000 + 1);
        assertThat(docker.run("events", "--since", "0", "--until", until).ok().stdout()).isEmpty();

        assertThat(fails("exec", "web", "ls")).isEqualTo(NO_RUNTIME + " (container inspect)");
        assertThat(fails("start", "web")).isEqualTo(NO_RUNTIME + " (container start)\nError: failed to start containers: web");
        assertThat(fails("stop", "web")).isEqualTo(NO_RUNTIME + " (container stop)");
        assertThat(fails("cp", "web:/etc/motd", work.resolve("motd").toString())).isEqualTo(NO_RUNTIME + " (container cp)");
        assertThat(fails("commit", "web", "demo/committed")).isEqualTo(NO_RUNTIME + " (commit)");
        // inspect without a type asks for a container first: the 501 is not "not found", so the CLI stops there
        DockerCli.Result inspect = docker.run("inspect", "web");
        assertThat(inspect.exitCode()).isEqualTo(1);
        assertThat(inspect.stdout().trim()).isEqualTo("[]");
        assertThat(inspect.stderr().trim()).isEqualTo(NO_RUNTIME + " (container inspect)");
        assertThat(fails("rm", "web")).isEqualTo(NO_RUNTIME + " (container remove)");
        assertThat(fails("logs", "web")).isEqualTo(NO_RUNTIME + " (container inspect)");
        assertThat(fails("network", "create", "n1")).isEqualTo(NO_RUNTIME + " (network create)");
        assertThat(fails("volume", "create", "v1")).isEqualTo(NO_RUNTIME + " (volume create)");
        assertThat(fails("container", "prune", "-f")).isEqualTo(NO_RUNTIME + " (container prune)");
        assertThat(fails("swarm", "init")).isEqualTo(NO_RUNTIME + " (swarm init)");
        assertThat(fails("plugin", "ls")).isEqualTo(NO_RUNTIME + " (plugin ls)");

        // the legacy builder (no buildx here) sends the context, then reads the 501
        Path context = Files.createDirectories(work.resolve("context"));
        Files.writeString(context.resolve("Dockerfile"), "FROM " + ref + "\nRUN true\n");
        DockerCli.Result build = docker.withEnv("DOCKER_BUILDKIT", "0").run("build", context.toString());
        assertThat(build.exitCode()).isEqualTo(1);
        assertThat(build.stderr()).endsWith(NO_RUNTIME + " (build)\n");
        assertThat(build.stdout()).contains("Sending build context to Docker daemon");

        assertThat(docker.run("info", "--format", "{{.Containers}} {{.ContainersRunning}} {{.Images}}").ok().stdout().trim())
                .isEqualTo("0 0 0");
        assertThat(docker.run("system", "df", "--format", "{{.Type}} {{.TotalCount}}").ok().lines())
                .contains("Containers 0", "Local Volumes 0");
        assertThat(proxy.requests()).isEmpty();

        // the image was there to pull all along: a pull reaches the registry and stores it; run still refuses
        docker.run("pull", ref).ok();
        assertThat(proxy.requests()).isNotEmpty();
        int asked = proxy.requests().size();
        DockerCli.Result again = docker.run("run", ref);
        assertThat(again.exitCode()).isEqualTo(125);
        assertThat(again.stderr()).startsWith("docker: " + NO_RUNTIME + " (container create)");
        assertThat(proxy.requests()).hasSize(asked);
    }

    /** Runs a docker command that must fail with exit code 1; returns its error output, trimmed. */
    private static String fails(String... args) {
        DockerCli.Result r = docker.run(args);
        assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(1);
        return r.stderr().trim();
    }
}
