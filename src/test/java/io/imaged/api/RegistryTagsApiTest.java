package io.imaged.api;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /imaged/registries/tags}: bad names are a 400 in words (DashboardIT lists a real registry's tags). */
class RegistryTagsApiTest extends ApiTestSupport {

    private static void error(Response r, String message) {
        r.then().statusCode(400).contentType(ContentType.JSON);
        assertThat(r.jsonPath().getString("message")).contains(message);
    }

    @Test
    void aMissingOrMalformedRepositoryIsA400() {
        error(given().get("/imaged/registries/tags"), "repository is required");
        error(given().queryParam("repository", " ").get("/imaged/registries/tags"), "repository is required");
        error(given().queryParam("repository", "Upper/Case").get("/imaged/registries/tags"), "invalid");
        error(given().queryParam("repository", "a//b").get("/imaged/registries/tags"), "invalid reference format");
    }
}
