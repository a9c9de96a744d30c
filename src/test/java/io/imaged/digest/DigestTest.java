package io.imaged.digest;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
