package io.imaged.archive;

import io.imaged.layer.InvalidArchiveException;
import io.imaged.testsupport.TarBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArchiveReaderTest {
    @TempDir
    Path tmp;

    @Test
    void normalisesPathsAndRefusesToClimbOut() {
        assertThat(ArchiveReader.normalise("./a//b/../c", "x")).isEqualTo("a/c");
        assertThat(ArchiveReader.normalise("./", "x")).isEmpty();
        assertThatThrownBy(() -> ArchiveReader.normalise("../x", "../x")).isInstanceOf(InvalidArchiveException.class)
                .hasMessageContaining("climbs out");
        assertThatThrownBy(() -> ArchiveReader.normalise("a/../../x", "a/../../x")).isInstanceOf(InvalidArchiveException.class);
    }

    @Test
    void resolvesRelativeSymlinksInsideTheArchive() {
        assertThat(ArchiveReader.resolveLink("1e6d/layer.tar", "../3be0.tar")).isEqualTo("3be0.tar");
        assertThat(ArchiveReader.resolveLink("top", "a/b")).isEqualTo("a/b");
        assertThatThrownBy(() -> ArchiveReader.resolveLink("a/link", "../../etc/passwd")).isInstanceOf(InvalidArchiveException.class);
        assertThatThrownBy(() -> ArchiveReader.resolveLink("link", "/etc/passwd")).isInstanceOf(InvalidArchiveException.class);
    }

    @Test
    void followsSkopeoStyleLayerSymlinks() throws Exception {
        try (ArchiveReader.Unpacked u = ArchiveReader.unpack(Files.newInputStream(Path.of("src/test/resources/archives/skopeo-docker-archive.tar")), tmp)) {
            Path viaLink = u.file("1e6dfbbb7776c4501c1da50966b9f6bf8282c51e9dfcd959a506a07f06e8d87b/layer.tar");
            assertThat(viaLink).isEqualTo(u.file("3be04c68fc6cddb87d3c58deec5b94a4b4c31507f2680e22ce74ae84193f9c6b.tar"));
            assertThat(u.file("nothing-here")).isNull();
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s).as("the temp dir goes with close").isEmpty();
        }
    }

    @Test
    void capsHeadersBeforeTheyAreBufferedWhole() {
        // a 2 MiB PAX path: commons-compress would hold it in memory; the budget stops it first
        byte[] huge = new TarBuilder().pax("path", "y".repeat(2 << 20)).file("short", "x").build();
        assertThatThrownBy(() -> ArchiveReader.unpack(new ByteArrayInputStream(huge), tmp))
                .isInstanceOf(InvalidArchiveException.class).hasMessageContaining("tar header larger than");
        // a PAX path within the budget is read, and then it is the name
        byte[] named = new TarBuilder().pax("path", "dir/from-pax").file("short", "x").build();
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> {
            try (ArchiveReader.Unpacked u = ArchiveReader.unpack(new ByteArrayInputStream(named), tmp)) {
                assertThat(u.has("dir/from-pax")).isTrue();
            }
        })).isNull();
        // big file data is not header: a 3 MiB entry is fine
        byte[] big = new TarBuilder().file("big.bin", new byte[3 << 20]).file("after", "ok").build();
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> {
            try (ArchiveReader.Unpacked u = ArchiveReader.unpack(new ByteArrayInputStream(big), tmp)) {
                assertThat(u.has("after")).isTrue();
            }
        })).isNull();
    }

    @Test
    void rejectsSymlinkLoopsAndCleansUpOnErrors() throws Exception {
        byte[] loop = new TarBuilder().symlink("a", "b").symlink("b", "a").build();
        try (ArchiveReader.Unpacked u = ArchiveReader.unpack(new ByteArrayInputStream(loop), tmp)) {
            assertThatThrownBy(() -> u.file("a")).hasMessageContaining("too many levels of symbolic links");
        }
        byte[] dup = new TarBuilder().file("x", "1").file("x", "2").build();
        assertThatThrownBy(() -> ArchiveReader.unpack(new ByteArrayInputStream(dup), tmp)).hasMessageContaining("duplicate entry x");
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s).isEmpty();
        }
    }
}
