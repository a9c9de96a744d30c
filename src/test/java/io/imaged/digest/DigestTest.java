package io.imaged.digest;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DigestTest {
    private static final String HEX = "2f3d47ab14a55e02b2bdd3629c5ec8f36d44b26d3b9cb66f36eed0c13d838922";

    @Test
    void parsesSha256WithSixtyFourLowerHexDigits() {
        Digest d = Digest.parse("sha256:" + HEX);
        assertThat(d.algorithm()).isEqualTo("sha256");
        assertThat(d.hex()).isEqualTo(HEX);
        assertThat(d.toString()).isEqualTo("sha256:" + HEX);
        assertThat(d).isEqualTo(Digest.parse(d.toString()));
    }

    @Test
    void refusesWhatIsNotLowerHexOfSixtyFourDigitsOrNotSha256() {
        for (String bad : new String[]{"sha256:" + HEX.toUpperCase(), "sha256:" + HEX.substring(1), "sha256:" + HEX + "0",
                "sha256:" + HEX.substring(1) + "g", "sha256:" + HEX.substring(1) + "/", "sha256:" + HEX.substring(1) + ":",
                "sha512:" + HEX, "sha256:", ":" + HEX, HEX, "sha256:" + HEX.substring(1) + "`"}) {
            assertThat(Digest.isValid(bad)).as(bad).isFalse();
            assertThatThrownBy(() -> Digest.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Digest.isValid(null)).isFalse();
    }

    @Test
    void aHashGivesItsHex() {
        assertThat(Digest.sha256("").hex()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void hashesInNativeCodeOnLinuxX8664() {
        // the launcher's C1-only JIT makes the JDK's SHA-256 ten times slower: a build that lost the native
        // library must fail here, not show up as slow pulls
        boolean linuxX8664 = System.getProperty("os.name").equals("Linux")
                && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
        assumeTrue(linuxX8664, "the native SHA-256 is built for Linux x86-64 only");
        assertThat(Sha256Engine.isNative()).isTrue();
        assertThat(Digest.newSha256().getProvider().getName()).isNotEqualTo("SUN");
    }

    @Test
    void theNativeHasherAgreesWithTheJdksInEveryWayItIsFed() throws Exception {
        Random random = new Random(11);
        for (int size : new int[]{0, 1, 55, 56, 63, 64, 65, 1000, 1 << 20, (1 << 20) + 3}) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            byte[] expected = MessageDigest.getInstance("SHA-256", "SUN").digest(data);

            assertThat(Digest.newSha256().digest(data)).as("whole, %d bytes", size).isEqualTo(expected);

            MessageDigest pieces = Digest.newSha256();
            for (int off = 0; off < size; off += 777) pieces.update(data, off, Math.min(777, size - off));
            assertThat(pieces.digest()).as("in pieces, %d bytes", size).isEqualTo(expected);

            MessageDigest buffers = Digest.newSha256();
            ByteBuffer direct = ByteBuffer.allocateDirect(size);
            direct.put(data, 0, size / 2).flip();
            buffers.update(direct);
            buffers.update(ByteBuffer.wrap(data, size / 2, size - size / 2));
            assertThat(buffers.digest()).as("direct then heap buffer, %d bytes", size).isEqualTo(expected);
        }
    }
}
