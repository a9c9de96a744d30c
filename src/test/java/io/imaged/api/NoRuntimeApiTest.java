package io.imaged.api;

import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@link NoRuntimeController}'s table over HTTP: the three empty lists in dockerd's shapes, a 501 naming the
 * operation for every other runtime endpoint of the v1.50 spec, dockerd's 404 for paths the spec does not have, and
 * the browser guard still in front of all of it.
 */
class NoRuntimeApiTest extends ApiTestSupport {

    @Test
    void theListsAreEmptyInDockerdsShapesWithAndWithoutAVersionPrefix() {
        for (String prefix : List.of("", "/v1.50", "/v1.41", "/v1.24")) {
            assertThat(given().get(prefix + "/containers/json?all=1&size=1").then().statusCode(200)
                    .contentType("application/json").extract().asString()).as(prefix).isEqualTo("[]\n");
            assertThat(given().get(prefix + "/networks").then().statusCode(200).extract().asString()).isEqualTo("[]\n");
            assertThat(given().get(prefix + "/volumes").then().statusCode(200).extract().asString())
                    .isEqualTo("{\"Volumes\":[],\"Warnings\":[]}\n");
        }
        // the filters dockerd accepts, and its 400 for the ones it does not
        given().queryParam("filters", "{\"status\":{\"running\":true},\"label\":[\"a=b\"]}").get("/containers/json")
                .then().statusCode(200);
        given().queryParam("filters", "{\"driver\":[\"bridge\"]}").get("/networks").then().statusCode(200);
        given().queryParam("filters", "{\"dangling\":[\"true\"]}").get("/volumes").then().statusCode(200);
        error(given().queryParam("filters", "{\"reference\":[\"x\"]}").get("/containers/json"), 400, "Invalid filter 'reference'");
        error(given().queryParam("filters", "{\"status\":[\"x\"]}").get("/volumes"), 400, "Invalid filter 'status'");
        given().queryParam("filters", "{nope").get("/networks").then().statusCode(400);
    }

    @Test
    void everyOtherRuntimeEndpointOfTheSpecIs501NamingItsOperation() {
        Set<String> seen = new HashSet<>();
        for (NoRuntimeController.RuntimeOperation op : NoRuntimeController.OPERATIONS) {
            String name = op.path().contains("{name}") ? "vieux/sshfs:latest" : "c0ffee";
            String path = op.path().replace("{id}", "c0ffee").replace("{name}", name);
            for (String prefix : List.of("", "/v1.50")) {
                Response r = given().request(op.method(), prefix + path);
                r.then().statusCode(501);
                if (!op.method().equals("HEAD")) {
                    error(r, 501, "imaged stores and moves images; it has no container runtime (" + op.name() + ")");
                }
            }
            seen.add(op.method() + " " + op.path());
        }
        // every runtime path of the v1.50 spec but the three lists (84 in the spec: its path list minus images, system, auth, events, distribution)
        assertThat(seen).hasSize(84).contains("POST /containers/create", "POST /containers/{id}/exec", "POST /build",
                "POST /commit", "POST /session", "GET /swarm", "GET /plugins", "DELETE /plugins/{name}");
        error(given().post("/containers/create?name=web"), 501,
                "imaged stores and moves images; it has no container runtime (container create)");
        error(given().get("/containers/web/json"), 501, "imaged stores and moves images; it has no container runtime (container inspect)");
    }

    @Test
    void oldClientsReadThe501AsPlainText() {
        given().post("/v1.23/containers/create").then().statusCode(501).contentType("text/plain")
                .body(equalTo("imaged stores and moves images; it has no container runtime (container create)\n"));
    }

    @Test
    void pathsAndMethodsTheSpecDoesNotHaveAreStillNotFound() {
        for (String path : List.of("/containers/c0ffee/nope", "/containers/a/b/start", "/exec/c0ffee", "/swarm/nope",
                "/networks/a/b/connect", "/containersx", "/build/nope", "/commit/x", "/no-such-endpoint")) {
            error(given().post(path), 404, "page not found");
        }
        error(given().get("/containers/create"), 404, "page not found");
        error(given().put("/containers/c0ffee/start"), 404, "page not found");
        error(given().patch("/containers/c0ffee"), 404, "page not found");
        error(given().post("/networks"), 404, "page not found");
        // the image endpoints are untouched
        given().get("/images/json").then().statusCode(200);
    }

    @Test
    void aForeignPageIsRefusedBeforeTheTableIsConsulted() {
        Response r = given().header("Origin", "http://evil.example").post("/containers/create");
        r.then().statusCode(403);
        assertThat(r.asString()).contains("Origin http://evil.example is not allowed");
        given().header("Origin", "http://evil.example").get("/containers/json").then().statusCode(403);
    }

    private static void error(Response r, int status, String message) {
        r.then().statusCode(status).contentType("application/json").body("message", equalTo(message));
        assertThat(r.asString()).doesNotContain("\tat ", "Exception");
    }
}
