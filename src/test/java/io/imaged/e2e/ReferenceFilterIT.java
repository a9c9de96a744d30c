package io.imaged.e2e;

import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Tars;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 8: {@code docker images --filter 'reference=********x'} used to be a backtracking regex that never
 * answered (and held the store's read lock, so tags waited behind it). The real CLI, the packaged jar.
 */
@ImagedTest
class ReferenceFilterIT {
    @Imaged
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;
    static final String LONG = "a".repeat(120);

    @BeforeAll
    static void seed() {
        byte[] tar = Tars.of(Map.of("etc/motd", "hostile filters\n"));
        docker.run(new ByteArrayInputStream(tar), "import", "-", "glob/base:1").ok();
        // long names of one letter: what made each ********x match explore ~10^11 ways before failing
        for (int i = 0; i < 6; i++) docker.run("tag", "glob/base:1", "glob/" + LONG + i + ":" + LONG).ok();
    }

    @Test
    void pathologicalPatternAnswersPromptlyAndDoesNotBlockATag() throws Exception {
        List<CompletableFuture<DockerCli.Result>> lists = new ArrayList<>();
        for (String p : List.of("********x", "glob/*a*a*a*a*a*a*a*a*a*a*a*a*b", "*/" + "*a".repeat(40) + "*:*")) {
            lists.add(CompletableFuture.supplyAsync(() -> docker.run("images", "--filter", "reference=" + p, "--format", "{{.Repository}}")));
        }
        // a tag made meanwhile is not held up by the listings (they no longer filter under the store's lock)
        DockerCli.Result tag = CompletableFuture.supplyAsync(() -> docker.run("tag", "glob/base:1", "glob/during:1"))
                .get(30, TimeUnit.SECONDS);
        assertThat(tag.exitCode()).as(tag.stderr()).isZero();

        assertThat(lists.get(0).get(30, TimeUnit.SECONDS).ok().stdout()).isEmpty();
        assertThat(lists.get(1).get(30, TimeUnit.SECONDS).ok().stdout()).isEmpty();
        // the third one matches: a star before ':' and after it (the tag is all a's too)
        assertThat(lists.get(2).get(30, TimeUnit.SECONDS).ok().lines()).hasSize(6).allMatch(l -> l.startsWith("glob/" + LONG));

        assertThat(docker.run("images", "--filter", "reference=glob/during", "--format", "{{.Repository}}:{{.Tag}}").ok().lines())
                .containsExactly("glob/during:1");
    }

    @Test
    void globSemanticsAreGoPathMatch() {
        docker.run("tag", "glob/base:1", "glob/sub/deep:2").ok();
        // '*' does not cross '/'; a class may; '!' is not a negation in Go
        assertThat(docker.run("images", "--filter", "reference=glob/*", "--format", "{{.Repository}}:{{.Tag}}").ok().lines())
                .contains("glob/base:1").doesNotContain("glob/sub/deep:2");
        assertThat(docker.run("images", "--filter", "reference=glob/*/*", "--format", "{{.Repository}}:{{.Tag}}").ok().lines())
                .containsExactly("glob/sub/deep:2");
        assertThat(docker.run("images", "--filter", "reference=glob/sub[/]deep", "--format", "{{.Repository}}:{{.Tag}}").ok().lines())
                .containsExactly("glob/sub/deep:2");
        assertThat(docker.run("images", "--filter", "reference=glob/[!b]ase", "--format", "{{.Repository}}").ok().lines())
                .containsExactly("glob/base");
        assertThat(docker.run("images", "--filter", "reference=glob/[^b]ase", "--format", "{{.Repository}}").ok().stdout()).isEmpty();
    }

    @Test
    void malformedPatternIsAClientError() {
        DockerCli.Result bad = docker.run("images", "--filter", "reference=[x");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.stderr()).contains("syntax error in pattern");
        // dockerd says 500; a pattern is the client's mistake, so imaged says 400 (docs/compatibility.md)
        assertThat(imaged.logText()).doesNotContain("PatternSyntaxException");
    }
}
