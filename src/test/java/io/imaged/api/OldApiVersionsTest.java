package io.imaged.api;

import io.imaged.oci.Platform;
import io.imaged.testsupport.Tars;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

/**
 * The API as clients of 1.12 … 1.23 speak it (skopeo and podman's docker-daemon: transport use 1.22): every
 * endpoint answers under those prefixes with the fields dockerd 20.10 gives them, errors are plain text up to 1.23
 * (dockerd's MakeErrorHandler), and the few things the version history changed below 1.24 follow it.
 */
class OldApiVersionsTest extends ApiTestSupport {

    private static String importTar(String version, String repo, Map<String, String> files, String... query) {
        var req = given().contentType("application/x-tar").body(Tars.of(files)).queryParam("fromSrc", "-").queryParam("repo", repo);
        for (int i = 0; i + 1 < query.length; i += 2) req = req.queryParam(query[i], query[i + 1]);
        String body = req.post("/v" + version + "/images/create").then().statusCode(200).extract().asString();
        assertThat(body).matches("\\{\"status\":\"sha256:[0-9a-f]{64}\"}\\r?\\n");
        return body.substring(11, 82);
    }

    private static void plainError(Response r, int status, String message) {
        r.then().statusCode(status).contentType("text/plain").header("X-Content-Type-Options", "nosniff");
        assertThat(r.asString()).isEqualTo(message + "\n");
    }

    @Test
    void listInspectHistoryTagAndDeleteAnswerAtV112AndV122() {
        for (String v : List.of("1.12", "1.22")) {
            String repo = "old/v" + v.replace(".", "-");
            String id = importTar(v, repo + ":1", Map.of("f.txt", "version " + v + "\n"), "changes", "CMD [\"sh\"]");
            String filter = "{\"reference\":[\"" + repo + "\"]}";
            given().queryParam("filters", filter).get("/v" + v + "/images/json").then().statusCode(200).contentType(ContentType.JSON)
                    .body("Id", contains(id)).body("[0].RepoTags", contains(repo + ":1")).body("[0].RepoDigests", nullValue())
                    .body("[0]", hasKey("VirtualSize")).body("[0].SharedSize", equalTo(-1)).body("[0].Containers", equalTo(-1));
            // the singular filter=<name> of the 1.1x clients
            given().queryParam("filter", repo).get("/v" + v + "/images/json").then().statusCode(200).body("Id", contains(id));
            given().get("/v" + v + "/images/" + repo + ":1/json").then().statusCode(200)
                    .body("Id", equalTo(id)).body("$", hasKey("ContainerConfig")).body("$", hasKey("VirtualSize"))
                    .body("Config.Hostname", equalTo("")).body("Config.Cmd", contains("sh"));
            given().get("/v" + v + "/images/" + repo + ":1/history").then().statusCode(200)
                    .body("[0].Id", equalTo(id)).body("[0].Tags", contains(repo + ":1"));
            // force was a parameter of tag before 1.24; dockerd 20.10 ignores it, and so does imaged
            given().queryParam("repo", repo).queryParam("tag", "2").queryParam("force", "1")
                    .post("/v" + v + "/images/" + repo + ":1/tag").then().statusCode(201).body(equalTo(""));
            given().queryParam("repo", repo).queryParam("tag", "2").queryParam("force", "0")
                    .post("/v" + v + "/images/" + repo + ":1/tag").then().statusCode(201);
            given().delete("/v" + v + "/images/" + repo + ":2").then().statusCode(200)
                    .body("", equalTo(List.of(Map.of("Untagged", repo + ":2"))));
            List<Map<String, String>> deleted = given().delete("/v" + v + "/images/" + repo + ":1").then().statusCode(200)
                    .extract().jsonPath().getList("");
            assertThat(deleted).startsWith(Map.of("Untagged", repo + ":1"), Map.of("Deleted", id)); // then its layer
        }
    }

    @Test
    void errorsUpToV123ArePlainTextAsDockerdAnswersThoseClients() {
        plainError(given().get("/v1.23/images/old-nonexistent/json"), 404, "No such image: old-nonexistent:latest");
        plainError(given().get("/v1.12/images/old-nonexistent/history"), 404, "No such image: old-nonexistent:latest");
        plainError(given().get("/v1.22/images/Foo:bar/json"), 400, "invalid reference format: repository name must be lowercase");
        plainError(given().get("/v1.22/no-such-endpoint"), 404, "page not found");
        plainError(given().get("/v1.11/version"), 400,
                "client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version");
        // from 1.24 on: JSON, as before
        given().get("/v1.24/images/old-nonexistent/json").then().statusCode(404).contentType(ContentType.JSON)
                .body("message", equalTo("No such image: old-nonexistent:latest"));
        given().get("/v1.22/_ping").then().statusCode(200).body(equalTo("OK"));
    }

    @Test
    void infoBelowV125KeepsTheExecutionDriverField() {
        given().get("/v1.24/info").then().statusCode(200).body("ExecutionDriver", equalTo("<not supported>"))
                .body("SecurityOptions", equalTo(List.of())).body("Driver", equalTo("imaged"));
        given().get("/v1.12/info").then().statusCode(200).body("ExecutionDriver", equalTo("<not supported>"));
        given().get("/v1.25/info").then().statusCode(200).body("$", not(hasKey("ExecutionDriver")));
    }

    @Test
    void eventsBelowV122HaveTheOldShape() {
        String id = importTar("1.22", "old/events:1", Map.of("e.txt", "events\n"));
        given().queryParam("repo", "old/events").queryParam("tag", "2").post("/v1.20/images/old/events:1/tag").then().statusCode(201);
        long ms = System.currentTimeMillis() + 1;
        String until = (ms / 1000) + "." + String.format("%03d", ms % 1000);
        for (String v : List.of("1.20", "1.21", "1.22")) {
            List<Map<String, Object>> tags = given().queryParam("since", "0").queryParam("until", until)
                    .get("/v" + v + "/events").then().statusCode(200).extract().asString().lines()
                    .map(l -> io.restassured.path.json.JsonPath.from(l).<String, Object>getMap(""))
                    .filter(m -> "tag".equals(m.get("status")) && id.equals(m.get("id"))).toList();
            assertThat(tags).as("tag events at " + v).hasSize(2);
            Map<String, Object> e = tags.get(1);
            switch (v) {
                case "1.20" -> assertThat(e).containsOnlyKeys("status", "id", "time");
                case "1.21" -> assertThat(e).containsOnlyKeys("status", "id", "time", "timeNano");
                default -> assertThat(e).containsKeys("status", "id", "Type", "Action", "Actor", "scope", "time", "timeNano")
                        .containsEntry("Action", "tag");
            }
        }
    }

    @Test
    void platformOfAnImportIsReadFromV132On() {
        String other = Platform.host().architecture().equals("s390x") ? "ppc64le" : "s390x";
        importTar("1.31", "old/platform:131", Map.of("p.txt", "131\n"), "platform", "linux/" + other);
        given().get("/images/old/platform:131/json").then().body("Architecture", equalTo(Platform.host().architecture()));
        importTar("1.32", "old/platform:132", Map.of("p.txt", "132\n"), "platform", "linux/" + other);
        given().get("/images/old/platform:132/json").then().body("Architecture", equalTo(other));
    }
}
