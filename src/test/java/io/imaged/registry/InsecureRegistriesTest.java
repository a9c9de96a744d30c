package io.imaged.registry;

import io.imaged.testsupport.TestProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which registries {@code imaged.registry.insecure} and {@code loopback-insecure} open to plain HTTP. */
class InsecureRegistriesTest {
    @TempDir
    Path dir;

    private EndpointResolver resolver(List<String> insecure, boolean loopbackInsecure) {
        return new EndpointResolver(TestProperties.withInsecure(dir, insecure, loopbackInsecure));
    }

    @Test
    void loopbackIsInsecureUnlessTurnedOff() {
        assertThat(resolver(List.of(), true).isInsecure("127.0.0.1:5000")).isTrue();
        assertThat(resolver(List.of(), true).isInsecure("localhost:5000")).isTrue();
        assertThat(resolver(List.of(), false).isInsecure("127.0.0.1:5000")).isFalse();
        assertThat(resolver(List.of(), true).isInsecure("registry.example:5000")).isFalse();
    }

    @Test
    void namesHostPortsAndAddressRangesAreMatched() throws Exception {
        EndpointResolver r = resolver(List.of("registry.example:5000", "plain.example", "10.0.0.0/8", "fd00::/8"), false);
        assertThat(r.isInsecure("registry.example:5000")).isTrue();
        assertThat(r.isInsecure("registry.example:5001")).isFalse();
        assertThat(r.isInsecure("plain.example:443")).isTrue();
        assertThat(r.isInsecure("10.1.2.3:5000")).isTrue();
        assertThat(r.isInsecure("10.1.2.3")).isTrue();
        assertThat(r.isInsecure("11.1.2.3:5000")).isFalse();
        assertThat(r.isInsecure("[fd00::5]:5000")).isTrue();
        assertThat(r.isInsecure("127.0.0.1:5000")).isFalse();
        // an insecure registry is tried over HTTPS without verification, then plain HTTP
        assertThat(r.endpoints("10.1.2.3:5000", false)).extracting(e -> e.base().toString())
                .containsExactly("https://10.1.2.3:5000", "http://10.1.2.3:5000");
        assertThat(r.endpoints("11.1.2.3:5000", false)).extracting(e -> e.base().toString())
                .containsExactly("https://11.1.2.3:5000");
    }
}
