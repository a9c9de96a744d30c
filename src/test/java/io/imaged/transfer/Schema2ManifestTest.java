package io.imaged.transfer;

import io.imaged.store.Digest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class Schema2ManifestTest {
    private static final String GZ = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /** The manifest dockerd 20.10 pushed in docs/reference/dockerd-registry-commands.md: same bytes, same digest. */
    @Test
    void serialisesAsDockerdDoes() {
        byte[] m = Schema2Manifest.serialise(
                new Schema2Manifest.Descriptor(Schema2Manifest.CONFIG_MEDIA_TYPE, 2043,
                        Digest.parse("sha256:2f3d47ab14a55e02b2bdd3629c5ec8f36d44b26d3b9cb66f36eed0c13d838922")),
                List.of(new Schema2Manifest.Descriptor(GZ, 317, Digest.parse("sha256:c50cb82cfb01666f94b3c48a7e255c5ab0cd5d8b681ea2663e8429c852475f2c")),
                        new Schema2Manifest.Descriptor(GZ, 151, Digest.parse("sha256:676e6a198f77d2310a00286bd28ef4d0ef9b2a4ec8f6896b3f6b338c82fcec63")),
                        new Schema2Manifest.Descriptor(GZ, 153, Digest.parse("sha256:9d7e88958bb3b044c3ad1d815382169540b8cdbdd2bcb0d0154e2413131e2421"))));
        assertThat(m).hasSize(938);
        assertThat(Digest.sha256(m).toString())
                .isEqualTo("sha256:2bbc664969017757569a116f77e7b797ff03d6249b6370c8becb7ac6dbbdff42");
    }

    @Test
    void noLayers() {
        String s = new String(Schema2Manifest.serialise(new Schema2Manifest.Descriptor(Schema2Manifest.CONFIG_MEDIA_TYPE, 2,
                Digest.sha256("{}")), List.of()));
        assertThat(s).contains("\"layers\": []\n}");
    }
}
