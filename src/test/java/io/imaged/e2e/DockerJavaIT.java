package io.imaged.e2e;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Image;
import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Tars;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** docker-java (a Java client with its own model of the API) over the unix socket of the packaged server. */
@ImagedTest
class DockerJavaIT {
    @Imaged
    static ImagedProcess imaged;
    @Cli
    static DockerClient docker;

    @Test
    void pingVersionAndInfo() {
        docker.pingCmd().exec();
        assertThat(docker.versionCmd().exec().getApiVersion()).isEqualTo("1.50");
        assertThat(docker.infoCmd().exec().getDockerRootDir()).isEqualTo(imaged.dataRoot().toString());
    }

    @Test
    void importListInspectTagAndRemove(DockerCli cli) {
        // docker-java 3.5's createImageCmd(repo, stream) sends "{}" instead of the stream (dockerd refuses it
        // too), so the image comes in through the CLI; everything after goes through docker-java
        String id = cli.run(
                new ByteArrayInputStream(Tars.of(Map.of("etc/hi", "hi from java\n"))), "import", "-", "java/base:1").ok().stdout().trim();
        InspectImageResponse inspected = docker.inspectImageCmd("java/base:1").exec();
        assertThat(inspected.getId()).isEqualTo(id);
        assertThat(inspected.getRepoTags()).containsExactly("java/base:1");
        assertThat(inspected.getSize()).isEqualTo(13L);
        assertThat(inspected.getOs()).isEqualTo("linux");
        assertThat(inspected.getRootFS().getLayers()).hasSize(1);

        docker.tagImageCmd("java/base:1", "127.0.0.1:5000/team/base", "v2").exec();
        // by short ID, with the slash-containing name encoded by the client
        docker.tagImageCmd(inspected.getId().substring(7, 19), "java/base", "alias").exec();
        List<Image> listed = docker.listImagesCmd().withFilter("reference", List.of("java/base")).exec();
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).getRepoTags()).containsExactly("java/base:1", "java/base:alias");
        List<Image> all = docker.listImagesCmd().withShowAll(true).exec();
        assertThat(all).filteredOn(i -> i.getId().equals(inspected.getId())).singleElement()
                .satisfies(i -> assertThat(Arrays.asList(i.getRepoTags()))
                        .containsExactly("127.0.0.1:5000/team/base:v2", "java/base:1", "java/base:alias"));
        assertThat(docker.listImagesCmd().withLabelFilter("nope=1").exec()).isEmpty();

        assertThatThrownBy(() -> docker.removeImageCmd(inspected.getId().substring(7, 19)).exec())
                .isInstanceOf(ConflictException.class).hasMessageContaining("image is referenced in multiple repositories");
        docker.removeImageCmd("java/base:alias").exec();
        docker.removeImageCmd(inspected.getId()).withForce(true).exec();
        assertThatThrownBy(() -> docker.inspectImageCmd(inspected.getId()).exec())
                .isInstanceOf(NotFoundException.class).hasMessageContaining("No such image: " + inspected.getId());
        assertThat(docker.listImagesCmd().withShowAll(true).exec()).noneMatch(i -> i.getId().equals(inspected.getId()));
    }

    @Test
    void missingImagesAreNotFound() {
        assertThatThrownBy(() -> docker.inspectImageCmd("java/missing:1").exec())
                .isInstanceOf(NotFoundException.class).hasMessageContaining("No such image: java/missing:1");
        assertThatThrownBy(() -> docker.removeImageCmd("java/missing:1").exec()).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> docker.tagImageCmd("java/missing:1", "java/x", "1").exec()).isInstanceOf(NotFoundException.class);
    }
}
