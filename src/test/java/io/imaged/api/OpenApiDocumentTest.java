package io.imaged.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.restassured.RestAssured.get;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * openapi/imaged.json is the document the server serves at /v3/api-docs, committed so that it can be read
 * and reviewed without running imaged. This test fails when the two drift apart; regenerate the file with
 * {@code ./mvnw test -Dtest=OpenApiDocumentTest -Dopenapi.update=true}.
 */
@org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability // metrics export is off in tests otherwise
class OpenApiDocumentTest extends ApiTestSupport {
    private static final Path COMMITTED = Path.of("openapi", "imaged.json");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    @Test
    void committedDocumentIsWhatTheServerServes() throws Exception {
        String served = get("/v3/api-docs").then().statusCode(200).extract().asString();
        String canonical = canonical(served);
        if (Boolean.getBoolean("openapi.update") || !Files.exists(COMMITTED)) {
            Files.createDirectories(COMMITTED.getParent());
            Files.writeString(COMMITTED, canonical, StandardCharsets.UTF_8);
        }
        assertThat(Files.readString(COMMITTED, StandardCharsets.UTF_8))
                .as("openapi/imaged.json differs from /v3/api-docs; regenerate it with "
                        + "./mvnw test -Dtest=OpenApiDocumentTest -Dopenapi.update=true and commit it")
                .isEqualTo(canonical);
    }

    @Test
    void swaggerUiAndActuatorAreServed() {
        get("/swagger-ui.html").then().statusCode(org.hamcrest.Matchers.either(org.hamcrest.Matchers.is(200))
                .or(org.hamcrest.Matchers.is(302)));
        get("/swagger-ui/index.html").then().statusCode(200);
        get("/actuator/health").then().statusCode(200).body("status", org.hamcrest.Matchers.equalTo("UP"));
        assertThat(get("/actuator/prometheus").then().statusCode(200).extract().asString()).contains("jvm_memory_used_bytes");
    }

    /** Pretty-printed with sorted keys, without what depends on the port the server runs on. */
    static String canonical(String served) throws Exception {
        JsonNode doc = JSON.readTree(served);
        ((ObjectNode) doc).remove("servers");
        Object sorted = JSON.treeToValue(doc, Object.class);
        return JSON.writeValueAsString(sorted) + "\n";
    }
}
