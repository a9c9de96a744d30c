package io.imaged.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AuthAndChallengeTest {
    private final ObjectMapper json = new ObjectMapper();

    private static String header(String s) {
        return Base64.getUrlEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void decodesXRegistryAuthAndNeverPrintsSecrets() {
        AuthConfig a = AuthConfig.fromHeader(header("{\"username\":\"u\",\"password\":\"p@ss\",\"serveraddress\":\"r:5000\"}"), json);
        assertThat(a.hasBasic()).isTrue();
        assertThat(a.basicHeader()).isEqualTo("Basic " + Base64.getEncoder().encodeToString("u:p@ss".getBytes()));
        assertThat(a.toString()).doesNotContain("p@ss").contains("password=***");

        AuthConfig legacy = AuthConfig.fromHeader(header("{\"auth\":\"" + Base64.getEncoder().encodeToString("x:y".getBytes()) + "\"}"), json);
        assertThat(legacy.username()).isEqualTo("x");
        assertThat(legacy.password()).isEqualTo("y");

        AuthConfig token = AuthConfig.fromHeader(header("{\"identitytoken\":\"tok-123\"}"), json);
        assertThat(token.hasIdentityToken()).isTrue();
        assertThat(token.toString()).doesNotContain("tok-123");
        assertThat(token.cacheKey()).doesNotContain("tok-123");
    }

    @Test
    void unreadableHeadersMeanAnonymous() {
        assertThat(AuthConfig.fromHeader("notbase64!!", json).anonymous()).isTrue();
        assertThat(AuthConfig.fromHeader("e30=", json).anonymous()).isTrue();
        assertThat(AuthConfig.fromHeader(null, json).anonymous()).isTrue();
    }

    @Test
    void parsesChallengesWithQuotedCommas() {
        Challenge c = Challenge.pick(List.of("Bearer realm=\"https://auth.example/token\",service=\"registry.example\","
                + "scope=\"repository:a/b:pull,push\",error=\"insufficient_scope\"")).orElseThrow();
        assertThat(c.scheme()).isEqualTo("bearer");
        assertThat(c.param("realm")).isEqualTo("https://auth.example/token");
        assertThat(c.param("scope")).isEqualTo("repository:a/b:pull,push");
        assertThat(c.param("error")).isEqualTo("insufficient_scope");

        Challenge basic = Challenge.pick(List.of("Basic realm=\"imaged-test\"")).orElseThrow();
        assertThat(basic.scheme()).isEqualTo("basic");
        assertThat(Challenge.pick(List.of("Negotiate"))).isEmpty();
    }

    @Test
    void registryErrorsAreWordedAsDockerdWordsThem() {
        RegistryException e = RegistryException.of(404,
                "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\",\"detail\":{\"Tag\":\"x\"}}]}".getBytes(), json);
        assertThat(e.getMessage()).isEqualTo("manifest unknown: manifest unknown");
        assertThat(e.hasCode("MANIFEST_UNKNOWN")).isTrue();
        assertThat(e.retryable()).isFalse();
        assertThat(RegistryException.of(503, new byte[0], json).retryable()).isTrue();
        assertThat(RegistryException.of(429, new byte[0], json).retryable()).isTrue();
    }
}
