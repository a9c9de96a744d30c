package io.imaged.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imaged.digest.Digest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Legacy (v1) image json → image config, byte for byte as the reference dockerd 20.10.24 made it (its image IDs). */
class V1ConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE_V1 = "{\"id\": \"" + "a".repeat(63) + "1\", \"created\": \"2015-11-01T10:00:00.123456789Z\", "
            + "\"container\": \"c0ffee\", \"container_config\": {\"Hostname\": \"h\", \"Cmd\": [\"/bin/sh\", \"-c\", \"#(nop) ADD file:abc in /\"], "
            + "\"Env\": null}, \"docker_version\": \"1.9.1\", \"config\": {\"Hostname\": \"h\", \"Cmd\": null, \"Env\": [\"PATH=/usr/bin&/bin\"]}, "
            + "\"architecture\": \"amd64\", \"os\": \"linux\", \"Size\": 6}";
    private static final String CHILD_V1 = "{\"id\": \"" + "b".repeat(63) + "2\", \"parent\": \"" + "a".repeat(63) + "1\", "
            + "\"created\": \"2015-11-01T10:00:05+02:00\", \"container_config\": {\"Cmd\": [\"/bin/sh\", \"-c\", \"#(nop) CMD [\\\"sh\\\"]\"]}, "
            + "\"docker_version\": \"1.9.1\", \"author\": \"someone <a@b.c>\", \"config\": {\"Cmd\": [\"sh\"], \"Labels\": {\"team\": \"legacy\"}}, "
            + "\"architecture\": \"amd64\", \"os\": \"linux\", \"Size\": 4}";
    private static final Digest BASE_DIFF = Digest.parse("sha256:f4b80dff8a40f0192b6061d883c238c32ef2b4363afec5744a56e9bb36997f92");
    private static final Digest CHILD_DIFF = Digest.parse("sha256:ef0e16824c2e73e1ff861e3bf2c65cef88f300f9067712b62ebed08b60381207");

    @Test
    void aLegacyChainGetsTheConfigsAndIdsDockerdGaveIt() throws Exception {
        JsonNode base = JSON.readTree(BASE_V1);
        ObjectNode baseHistory = V1Config.history(JSON, base);
        byte[] baseConfig = V1Config.make(JSON, base, List.of(BASE_DIFF), List.of(baseHistory));
        assertThat(new String(baseConfig, StandardCharsets.UTF_8)).isEqualTo("{\"architecture\":\"amd64\",\"config\":{\"Hostname\":\"h\","
                + "\"Cmd\":null,\"Env\":[\"PATH=/usr/bin\\u0026/bin\"]},\"container\":\"c0ffee\",\"container_config\":{\"Hostname\":\"h\","
                + "\"Cmd\":[\"/bin/sh\",\"-c\",\"#(nop) ADD file:abc in /\"],\"Env\":null},\"created\":\"2015-11-01T10:00:00.123456789Z\","
                + "\"docker_version\":\"1.9.1\",\"history\":[{\"created\":\"2015-11-01T10:00:00.123456789Z\",\"created_by\":\"/bin/sh -c "
                + "#(nop) ADD file:abc in /\"}],\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + BASE_DIFF + "\"]}}");
        assertThat(Digest.sha256(baseConfig)).hasToString("sha256:e150bd3b83c73d2c2446de58b47613b340ef36a1974420b98c12ecc55074fa29");

        JsonNode child = JSON.readTree(CHILD_V1);
        byte[] childConfig = V1Config.make(JSON, child, List.of(BASE_DIFF, CHILD_DIFF), List.of(baseHistory, V1Config.history(JSON, child)));
        assertThat(Digest.sha256(childConfig)).as(new String(childConfig, StandardCharsets.UTF_8))
                .hasToString("sha256:72152d14e918def80216b7f7aff95d758f7bf8a8fcc598b7cddb4503ae0c9868");
    }

    @Test
    void timesAreWrittenAsGoWritesThem() {
        assertThat(V1Config.goTime("2015-11-01T10:00:00.120000000Z")).isEqualTo("2015-11-01T10:00:00.12Z");
        assertThat(V1Config.goTime("2015-11-01T10:00:00.000Z")).isEqualTo("2015-11-01T10:00:00Z");
        assertThat(V1Config.goTime("2015-11-01T10:00:05+02:00")).isEqualTo("2015-11-01T10:00:05+02:00");
        assertThat(V1Config.goTime("")).isEqualTo("0001-01-01T00:00:00Z");
    }
}
