package io.imaged.oci;

import io.imaged.digest.Digest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManifestCodecTest {
    private static final String GZ = MediaTypes.DOCKER_LAYER_GZIP;

    /** The manifest dockerd 20.10 pushed in docs/reference/dockerd-registry-commands.md: same bytes, same digest. */
    @Test
    void writesSchema2AsDockerdDoes() throws Exception {
        Descriptor config = new Descriptor(MediaTypes.DOCKER_CONFIG, Digest.parse("sha256:2f3d47ab14a55e02b2bdd3629c5ec8f36d44b26d3b9cb66f36eed0c13d838922"), 2043);
        List<Descriptor> layers = List.of(
                new Descriptor(GZ, Digest.parse("sha256:c50cb82cfb01666f94b3c48a7e255c5ab0cd5d8b681ea2663e8429c852475f2c"), 317),
                new Descriptor(GZ, Digest.parse("sha256:676e6a198f77d2310a00286bd28ef4d0ef9b2a4ec8f6896b3f6b338c82fcec63"), 151),
                new Descriptor(GZ, Digest.parse("sha256:9d7e88958bb3b044c3ad1d815382169540b8cdbdd2bcb0d0154e2413131e2421"), 153));
        byte[] m = ManifestCodec.writeSchema2(config, layers);
        assertThat(m).hasSize(938);
        assertThat(Digest.sha256(m).toString()).isEqualTo("sha256:2bbc664969017757569a116f77e7b797ff03d6249b6370c8becb7ac6dbbdff42");

        // and reads back to the same values
        ImageManifest back = ManifestCodec.parseManifest(m, ManifestCodec.mediaTypeOf(m, "application/octet-stream"));
        assertThat(back.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        assertThat(back.config()).isEqualTo(config);
        assertThat(back.layers()).isEqualTo(layers);
    }

    @Test
    void writesAManifestWithoutLayersAsGoDoes() {
        String s = new String(ManifestCodec.writeSchema2(new Descriptor(MediaTypes.DOCKER_CONFIG, Digest.sha256("{}"), 2), List.of()),
                StandardCharsets.UTF_8);
        assertThat(s).contains("\"layers\": []\n}");
    }

    @Test
    void readsAnOciIndexWithPlatformsAndAnnotations() throws Exception {
        String a = Digest.sha256("a").toString();
        String b = Digest.sha256("b").toString();
        byte[] index = ("{\"schemaVersion\":2,\"manifests\":["
                + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + a + "\",\"size\":10,"
                + "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"},"
                + "\"annotations\":{\"org.opencontainers.image.ref.name\":\"1\"}},"
                + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + b + "\",\"size\":11}]}").getBytes(StandardCharsets.UTF_8);
        String mt = ManifestCodec.mediaTypeOf(index, "");
        assertThat(mt).as("an OCI document may leave out its media type").isEqualTo(MediaTypes.OCI_INDEX);
        ImageIndex parsed = (ImageIndex) ManifestCodec.parse(index, mt);
        assertThat(parsed.manifests()).hasSize(2);
        Descriptor first = parsed.manifests().get(0);
        assertThat(first.platform()).isEqualTo(new Platform("linux", "arm", "v6"));
        assertThat(first.annotation("org.opencontainers.image.ref.name")).isEqualTo("1");
        assertThat(first.size()).isEqualTo(10);
        assertThat(parsed.manifests().get(1).platform()).isNull();
    }

    @Test
    void keepsTheWindowsPlatformFieldsAndWritesThemInGoOrder() throws Exception {
        String a = Digest.sha256("a").toString();
        byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + a + "\",\"size\":10,"
                + "\"platform\":{\"os.features\":[\"win32k\"],\"variant\":\"\",\"os\":\"windows\","
                + "\"os.version\":\"10.0.20348.2340\",\"architecture\":\"amd64\"}}]}").getBytes(StandardCharsets.UTF_8);
        Platform p = ManifestCodec.parseIndex(index, MediaTypes.OCI_INDEX).manifests().get(0).platform();
        assertThat(p.osVersion()).isEqualTo("10.0.20348.2340");
        assertThat(p.osFeatures()).containsExactly("win32k");
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(p.fields())).isEqualTo(
                "{\"architecture\":\"amd64\",\"os\":\"windows\",\"os.version\":\"10.0.20348.2340\",\"os.features\":[\"win32k\"]}");
        assertThat(ManifestCodec.configPlatform("{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\",\"rootfs\":{}}"
                .getBytes(StandardCharsets.UTF_8)).fields()).containsExactly(
                java.util.Map.entry("architecture", "arm64"), java.util.Map.entry("os", "linux"), java.util.Map.entry("variant", "v8"));
        assertThatThrownBy(() -> ManifestCodec.configPlatform("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidManifestException.class);
    }

    @Test
    void schema1IsToldByItsVersion() {
        assertThat(ManifestCodec.mediaTypeOf("{\"schemaVersion\":1,\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8),
                MediaTypes.DOCKER_MANIFEST)).isEqualTo(MediaTypes.DOCKER_SCHEMA1_SIGNED);
        assertThat(ManifestCodec.mediaTypeOf("not json".getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8"))
                .isEqualTo("text/plain");
    }

    @Test
    void refusesWhatIsNotAManifest() {
        String good = Digest.sha256("c").toString();
        assertThatThrownBy(() -> ManifestCodec.parse("[1]".getBytes(), MediaTypes.OCI_MANIFEST))
                .isInstanceOf(InvalidManifestException.class).hasMessage("invalid manifest: not a JSON object");
        assertThatThrownBy(() -> ManifestCodec.parse("{\"config\":{\"digest\":\"sha256:zz\",\"size\":1},\"layers\":[]}".getBytes(), MediaTypes.OCI_MANIFEST))
                .isInstanceOf(InvalidManifestException.class).hasMessageContaining("config has an invalid digest \"sha256:zz\"");
        assertThatThrownBy(() -> ManifestCodec.parse(("{\"config\":{\"digest\":\"" + good + "\",\"size\":1}}").getBytes(), MediaTypes.DOCKER_MANIFEST))
                .isInstanceOf(InvalidManifestException.class).hasMessage("invalid manifest: no layers array");
        assertThatThrownBy(() -> ManifestCodec.parse(("{\"config\":{\"digest\":\"" + good + "\",\"size\":\"big\"},\"layers\":[]}").getBytes(), MediaTypes.DOCKER_MANIFEST))
                .isInstanceOf(InvalidManifestException.class).hasMessageContaining("invalid size");
        assertThatThrownBy(() -> ManifestCodec.parse("{\"manifests\":{}}".getBytes(), MediaTypes.OCI_INDEX))
                .isInstanceOf(InvalidManifestException.class).hasMessage("invalid index: no manifests array");
        assertThatThrownBy(() -> ManifestCodec.parse("{}".getBytes(), "application/json"))
                .isInstanceOf(InvalidManifestException.class).hasMessage("unsupported manifest media type application/json");
    }

    @Test
    void choosesPlatformsAsContainerdDoes() {
        List<Descriptor> list = List.of(entry("a", "linux", "amd64", ""), entry("b", "linux", "arm64", "v8"),
                entry("c", "linux", "arm", "v6"), entry("d", "unknown", "unknown", ""));
        assertThat(PlatformMatcher.choose(list, Platform.parse("linux/amd64")).digest()).isEqualTo(Digest.sha256("a"));
        assertThat(PlatformMatcher.choose(list, Platform.parse("linux/arm64")).digest()).isEqualTo(Digest.sha256("b"));
        assertThat(PlatformMatcher.choose(list, Platform.parse("linux/arm64/v8")).digest()).isEqualTo(Digest.sha256("b"));
        // arm/v7 runs v6 images
        assertThat(PlatformMatcher.choose(list, Platform.parse("linux/arm/v7")).digest()).isEqualTo(Digest.sha256("c"));
        assertThat(PlatformMatcher.choose(list, Platform.parse("linux/arm/v5"))).isNull();
        assertThat(PlatformMatcher.choose(list, Platform.parse("linux/s390x"))).isNull();
        assertThat(PlatformMatcher.runs(Platform.parse("linux/arm/v7"), new Platform("linux", "arm", "v5"))).isTrue();
        assertThat(PlatformMatcher.runs(Platform.parse("linux/arm/v5"), new Platform("linux", "arm", "v7"))).isFalse();
    }

    private static Descriptor entry(String content, String os, String arch, String variant) {
        return new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(content), 100, new Platform(os, arch, variant), null);
    }
}
