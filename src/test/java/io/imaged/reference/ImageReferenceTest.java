package io.imaged.reference;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageReferenceTest {

    /** The daemon runs with -Xss512k; a hostile name must be refused with dockerd's words, not overflow the stack. */
    @Test
    void aLongHostileNameIsRefusedWithoutOverflowingASmallStack() throws Exception {
        String[] hostile = {
                "a-".repeat(5_000) + "a",
                "localhost:5000/" + "a.".repeat(5_000) + "a",
                "busybox:" + "t".repeat(5_000),
                "busybox@sha256:" + "a-".repeat(5_000),
        };
        String[] expected = {
                "invalid reference format: repository name must not be more than 255 characters",
                "invalid reference format: repository name must not be more than 255 characters",
                "invalid reference format",
                "invalid reference format",
        };
        for (int i = 0; i < hostile.length; i++) {
            String input = hostile[i];
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread t = new Thread(null, () -> {
                try {
                    ImageReference.parse(input);
                } catch (Throwable e) {
                    thrown.set(e);
                }
            }, "small-stack", 512 * 1024);
            t.start();
            t.join();
            assertThat(thrown.get()).isInstanceOf(InvalidReferenceException.class).hasMessage(expected[i]);
        }
    }

    @Test
    void namesAtTheLimitStillParse() {
        String name = "a".repeat(255 - "docker.io/library/".length());
        assertThat(ImageReference.parse(name + ":" + "t".repeat(128)).path()).isEqualTo("library/" + name);
        assertThat(ImageReference.parse("busybox@sha256:" + "a".repeat(64)).digest()).isEqualTo("sha256:" + "a".repeat(64));
    }

    /** distribution/reference v0.6: a first component is a registry only with '.' or ':' or as localhost. */
    @Test
    void anUppercaseFirstComponentIsARepositoryPathNotARegistry() {
        for (String name : new String[] {"UPPER/case:1", "UPPER/case", "Team/app", "UPPER/x/y@sha256:" + "a".repeat(64)}) {
            assertThatThrownBy(() -> ImageReference.parse(name)).as(name)
                    .isInstanceOf(InvalidReferenceException.class)
                    .hasMessage("invalid reference format: repository name must be lowercase");
        }
        assertThat(ImageReference.parse("Example.COM/team/app:1").domain()).isEqualTo("Example.COM");
        assertThat(ImageReference.parse("MyHost:5000/app").domain()).isEqualTo("MyHost:5000");
        assertThat(ImageReference.parse("localhost/app").domain()).isEqualTo("localhost");
        assertThat(ImageReference.parse("team/app").domain()).isEqualTo("docker.io");
        assertThat(ImageReference.parse("team/app").path()).isEqualTo("team/app");
    }
}
