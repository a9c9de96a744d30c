package io.imaged.api;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** {@code imaged.min-api-version} raises the floor: older paths get dockerd's too-old answer naming it. */
@TestPropertySource(properties = "imaged.min-api-version=1.30")
class ConfiguredApiFloorTest extends ApiTestSupport {
    private static final String TOO_OLD = "client version %s is too old. Minimum supported API version is 1.30, "
            + "please upgrade your client to a newer version";

    @Test
    void versionsBelowTheConfiguredFloorAreRefused() {
        given().get("/version").then().statusCode(200).body("MinAPIVersion", equalTo("1.30"))
                .body("Components[0].Details.MinAPIVersion", equalTo("1.30"));
        given().get("/v1.30/images/json").then().statusCode(200);
        given().get("/v1.50/_ping").then().statusCode(200);
        given().get("/v1.29/images/json").then().statusCode(400).contentType(ContentType.JSON)
                .body("message", equalTo(TOO_OLD.formatted("1.29")));
        // a 1.22 client (skopeo, podman) reads the same words as plain text
        Response old = given().get("/v1.22/images/json");
        old.then().statusCode(400).contentType("text/plain");
        assertThat(old.asString()).isEqualTo(TOO_OLD.formatted("1.22") + "\n");
    }
}
