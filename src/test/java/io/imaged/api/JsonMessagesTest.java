package io.imaged.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.error.ImagedException;
import io.imaged.oci.Platform;
import io.imaged.progress.ProgressOutput;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class JsonMessagesTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void progressLinesAreDockerdsBytes() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProgressOutput p = JsonMessages.to(out, json);
        p.status("1", "Pulling from test/small");
        p.layer("c50cb82cfb01", "Pulling fs layer");
        p.progress("676e6a198f77", "Downloading", 151, 151);
        p.status(null, "Digest: sha256:2bbc664969017757569a116f77e7b797ff03d6249b6370c8becb7ac6dbbdff42");
        p.progress(null, "Importing", 600_000, 0);
        p.aux(java.util.Map.of("Tag", "1"));
        p.stream("Loaded image: x:1\n");
        p.error("boom");
        // lines from docs/reference/dockerd-registry-commands.md (raw API pull)
        assertThat(out.toString()).isEqualTo(
                "{\"status\":\"Pulling from test/small\",\"id\":\"1\"}\r\n"
                + "{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"c50cb82cfb01\"}\r\n"
                + "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":151,\"total\":151},\"progress\":\"[==================================================>]     151B/151B\",\"id\":\"676e6a198f77\"}\r\n"
                + "{\"status\":\"Digest: sha256:2bbc664969017757569a116f77e7b797ff03d6249b6370c8becb7ac6dbbdff42\"}\r\n"
                + "{\"status\":\"Importing\",\"progressDetail\":{\"current\":600000},\"progress\":\"   600kB\"}\r\n"
                + "{\"progressDetail\":{},\"aux\":{\"Tag\":\"1\"}}\r\n"
                + "{\"stream\":\"Loaded image: x:1\\n\"}\r\n"
                + "{\"errorDetail\":{\"message\":\"boom\"},\"error\":\"boom\"}\r\n");
    }

    @Test
    void humanSizesAndPartialBars() {
        assertThat(ProgressBar.humanSize(151)).isEqualTo("151B");
        assertThat(ProgressBar.humanSize(1234)).isEqualTo("1.234kB");
        assertThat(ProgressBar.humanSize(12_345_678)).isEqualTo("12.35MB");
        assertThat(ProgressBar.humanSize(2_000_000)).isEqualTo("2MB");
        assertThat(ProgressBar.render(500_000, 2_000_000)).isEqualTo("[============>                                      ]    500kB/2MB");
    }

    @Test
    void aLoneWordMustBeAKnownOsOrArchitectureAsInContainerd() {
        assertThat(Platform.parse("arm64")).isEqualTo(new Platform("linux", "arm64", ""));
        assertThat(Platform.parse("x86_64")).isEqualTo(new Platform("linux", "amd64", ""));
        assertThat(Platform.parse("linux").os()).isEqualTo("linux");
        assertThat(Platform.parse("windows").os()).isEqualTo("windows");
        // docker-py's test_pull_invalid_platform: platform='foobar' is refused up front, in containerd's words
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Platform.parse("foobar"))
                .isInstanceOf(ImagedException.class)
                .hasMessage("\"foobar\": unknown operating system or architecture: invalid argument")
                .satisfies(e -> assertThat(((ImagedException) e).kind()).isEqualTo(ImagedException.Kind.INVALID_ARGUMENT));
    }
}
