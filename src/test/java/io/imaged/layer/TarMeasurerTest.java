package io.imaged.layer;

import io.imaged.testsupport.TarBuilder;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The one tar validation, at the level of the layer measuring pass that import, load and pull all use: each hostile
 * or corrupt tar is refused with dockerd's words (checked against dockerd 20.10's {@code docker import}), and the
 * tars dockerd accepts are measured as before.
 */
class TarMeasurerTest {
    static final byte[] GOOD = new TarBuilder().file("a", "hello\n").file("b", "world\n").build();

    private static TarMeasurement measure(byte[] tar) throws IOException {
        return TarMeasurer.measure(new ByteArrayInputStream(tar), OutputStreamSink.INSTANCE);
    }

    private static void refused(byte[] tar, String message) {
        assertThatThrownBy(() -> measure(tar)).isInstanceOf(InvalidArchiveException.class).hasMessage(message);
    }

    @Test
    void aGoodTarIsMeasured() throws Exception {
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        TarMeasurement m = TarMeasurer.measure(new ByteArrayInputStream(GOOD), copy);
        assertThat(copy.toByteArray()).isEqualTo(GOOD);
        assertThat(m.diffId().toString()).isEqualTo("sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(GOOD)));
        assertThat(m.tarSize()).isEqualTo(GOOD.length);
        assertThat(m.fileBytes()).isEqualTo(12);
        assertThat(m.entries()).isEqualTo(2);
    }

    @Test
    void aTarCutInsideAFileOrAHeaderIsRefused() {
        byte[] big = new TarBuilder().file("a", new byte[5000]).file("b", "y").build();
        refused(Arrays.copyOf(big, 512 + 3000), "Error processing tar file(exit status 1): unexpected EOF");
        refused(Arrays.copyOf(big, 300), "Error processing tar file(exit status 1): unexpected EOF");
        // cut inside the second header: commons-compress alone takes that for the end of the archive
        refused(Arrays.copyOf(big, 512 + 5120 + 200), "Error processing tar file(exit status 1): unexpected EOF");
    }

    @Test
    void aTarWithoutItsEndBlocksIsAcceptedAsGoAndDockerdDo() throws Exception {
        byte[] big = new TarBuilder().file("a", new byte[5000]).file("b", "y").build();
        assertThat(measure(Arrays.copyOf(big, 512 + 5120)).entries()).isEqualTo(1);
    }

    @Test
    void aHeaderWithABadChecksumIsRefused() {
        byte[] bad = GOOD.clone();
        System.arraycopy("0000000\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, bad, 148, 8);
        refused(bad, "Error processing tar file(exit status 1): archive/tar: invalid tar header");
        // the second header too
        byte[] second = GOOD.clone();
        second[1024] ^= 0x01; // a byte of b's name: the stored checksum no longer matches
        refused(second, "Error processing tar file(exit status 1): archive/tar: invalid tar header");
    }

    @Test
    void aWriteThroughASymlinkIsRefused() {
        refused(new TarBuilder().symlink("l", "/etc").file("l/x", "pwned").build(),
                "Error processing tar file(exit status 1): open /l/x: would be written through symlink /l");
        refused(new TarBuilder().dir("d").symlink("l", "d").dir("l/sub").build(),
                "Error processing tar file(exit status 1): open /l/sub: would be written through symlink /l");
        refused(new TarBuilder().file("f", "x").file("f/x", "y").build(),
                "Error processing tar file(exit status 1): open /f/x: not a directory");
    }

    @Test
    void aHardLinkToAMissingFileIsRefused() throws Exception {
        refused(new TarBuilder().file("a", "x").hardlink("h", "missing").build(),
                "Error processing tar file(exit status 1): link /missing /h: no such file or directory");
        refused(new TarBuilder().hardlink("h", "later").file("later", "x").build(),
                "Error processing tar file(exit status 1): link /later /h: no such file or directory");
        refused(new TarBuilder().hardlink("h", "../../etc/passwd").build(), "invalid tar archive: path ../../etc/passwd climbs out of the layer");
        // to a file stored before, or to a symlink, as dockerd accepts
        assertThat(measure(new TarBuilder().file("a", "x").hardlink("h", "./a").build()).entries()).isEqualTo(2);
        assertThat(measure(new TarBuilder().symlink("l", "/etc/passwd").hardlink("h", "l").build()).entries()).isEqualTo(2);
    }

    @Test
    void aHugePaxHeaderIsRefusedBeforeItIsBuffered() throws Exception {
        refused(new TarBuilder().pax("comment", "x".repeat(2 << 20)).file("a", "hi").build(),
                "Error processing tar file(exit status 1): archive/tar: header field too long");
        // a PAX path under the limit is the entry's name
        assertThat(measure(new TarBuilder().pax("path", "dir/" + "p".repeat(200)).file("short", "x").build()).entries()).isEqualTo(1);
        // file data is not header: a 3 MiB file is fine
        assertThat(measure(new TarBuilder().file("big", new byte[3 << 20]).file("after", "x").build()).fileBytes()).isEqualTo((3 << 20) + 1);
    }

    @Test
    void duplicatePathsAreRefused() {
        refused(new TarBuilder().file("a", "one").file("a", "two").build(),
                "Error processing tar file(duplicates of file paths not supported): a");
        refused(new TarBuilder().file("a", "one").file("./a", "two").build(),
                "Error processing tar file(duplicates of file paths not supported): ./a");
        refused(new TarBuilder().dir("d").dir("d").build(), "Error processing tar file(duplicates of file paths not supported): d/");
    }

    @Test
    void pathsThatClimbOutAreRefusedAndTheRootMayBeNamed() throws Exception {
        refused(new TarBuilder().file("../../x", "pwned").build(), "invalid tar archive: path ../../x climbs out of the layer");
        TarMeasurement m = measure(new TarBuilder().dir("./").dir("etc").file("/etc/hosts", "127.0.0.1 x\n").symlink("etc/l", "/etc/hosts")
                .file("etc/.wh.gone", "").build());
        assertThat(m.entries()).isEqualTo(5);
        assertThat(m.fileBytes()).isEqualTo(12 + "/etc/hosts".length());
    }

    @Test
    void theNameOfAPathLongerThanPathMaxIsRefused() {
        refused(new TarBuilder().file("d/".repeat(2100) + "f", "x").build().clone(),
                "Error processing tar file(exit status 1): open /" + "d/".repeat(40) + "...: file name too long");
    }

    @Test
    void garbageIsRefused() {
        refused("this is not a tar\n".repeat(40).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "Error processing tar file(exit status 1): archive/tar: invalid tar header");
    }

    /** Discards what it is given. */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
