package io.imaged.api;

import io.imaged.testsupport.Tars;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

/**
 * The Engine API over HTTP with rest-assured: version prefixes and version-dependent fields, Docker's error
 * shape and statuses, list filters, the answer lists of DELETE and prune, import. Each test uses its own
 * repository names so that the tests do not depend on one another's images.
 */
class ImagesApiTest extends ApiTestSupport {

    private String importTar(String repo, String tag, Map<String, String> files, String... changes) {
        var req = given().contentType("application/x-tar").body(Tars.of(files)).queryParam("fromSrc", "-");
        if (repo != null) req = req.queryParam("repo", repo).queryParam("tag", tag);
        for (String c : changes) req = req.queryParam("changes", c);
        String body = req.post("/images/create").then().statusCode(200).contentType(ContentType.JSON).extract().asString();
        assertThat(body).matches("\\{\"status\":\"sha256:[0-9a-f]{64}\"}\\r?\\n");
        return body.substring(11, 82);
    }

    private static void error(Response r, int status, String message) {
        r.then().statusCode(status).contentType(ContentType.JSON).body("message", equalTo(message));
        assertThat(r.asString()).doesNotContain("\tat ", "Exception");
    }

    /**
     * curl's --data-binary sends application/x-www-form-urlencoded: the body is a tar to import, never form
     * parameters (else a tar holding "&tag=evil" would name the image, and a small body would be swallowed whole).
     */
    @Test
    void anImportBodySentAsAFormIsReadAsTheTarNotAsParameters() {
        byte[] tar = Tars.of(Map.of("form.txt", "&repo=api/evil&tag=evil&fromSrc=http://127.0.0.1:1/x\n"));
        // rest-assured encodes a form body itself and cannot take bytes: send them as they are
        var asBytes = io.restassured.config.RestAssuredConfig.config().encoderConfig(io.restassured.config.EncoderConfig.encoderConfig()
                .encodeContentTypeAs("application/x-www-form-urlencoded", io.restassured.http.ContentType.BINARY));
        String body = given().config(asBytes).contentType("application/x-www-form-urlencoded").body(tar)
                .queryParam("fromSrc", "-").queryParam("repo", "api/form").queryParam("tag", "1")
                .post("/images/create").then().statusCode(200).extract().asString();
        assertThat(body).matches("\\{\"status\":\"sha256:[0-9a-f]{64}\"}\\r?\\n");
        given().get("/images/api/form:1/json").then().statusCode(200).body("Size", equalTo(tarFileBytes(tar)));
        given().get("/images/api/evil:evil/json").then().statusCode(404);
    }

    private static int tarFileBytes(byte[] tar) {
        return "&repo=api/evil&tag=evil&fromSrc=http://127.0.0.1:1/x\n".length();
    }

    @Test
    void pingCarriesDockersHeadersOnEveryVersionedPath() {
        for (String path : List.of("/_ping", "/v1.24/_ping", "/v1.41/_ping", "/v1.50/_ping")) {
            given().get(path).then().statusCode(200).body(equalTo("OK"))
                    .header("API-Version", "1.50").header("OSType", "linux").header("Docker-Experimental", "false")
                    .header("Cache-Control", "no-cache, no-store, must-revalidate").header("Pragma", "no-cache");
        }
        given().head("/_ping").then().statusCode(200).header("API-Version", "1.50");
    }

    @Test
    void versionsOutsideTheSupportedRangeAreRefusedAsDockerdDoes() {
        given().get("/v1.24/version").then().statusCode(200).body("ApiVersion", equalTo("1.50")).body("MinAPIVersion", equalTo("1.12"));
        given().get("/v1.12/version").then().statusCode(200).body("MinAPIVersion", equalTo("1.12"));
        error(given().get("/v1.51/version"), 400, "client version 1.51 is too new. Maximum supported API version is 1.50");
        // /v1.11 is too old; its clients read errors as plain text (OldApiVersionsTest)
        given().get("/v1.11/images/json").then().statusCode(400).contentType("text/plain")
                .body(equalTo("client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version\n"));
        error(given().get("/vX.Y/version"), 404, "page not found");
        error(given().get("/v1.41/nonexistent-endpoint"), 404, "page not found");
        error(given().put("/version"), 404, "page not found");
    }

    @Test
    void infoNamesTheStore() {
        given().get("/info").then().statusCode(200)
                .body("Driver", equalTo("imaged")).body("OSType", equalTo("linux")).body("Containers", equalTo(0))
                .body("$", hasKey("RegistryConfig")).body("$", hasKey("NCPU")).body("$", hasKey("MemTotal"))
                .body("$", hasKey("ServerVersion")).body("$", hasKey("DockerRootDir")).body("$", hasKey("ID"));
    }

    @Test
    void listFieldsFollowTheVersionInThePath() {
        String dangling = importTar(null, null, Map.of("v.txt", "versions\n"));
        String tagged = importTar("api/versions", "1", Map.of("w.txt", "tagged\n"));
        String filter = "{\"reference\":[\"api/versions\"]}";
        // 1.41: placeholders for untagged images, null for empty lists, VirtualSize
        given().queryParam("filters", "{\"dangling\":[\"true\"]}").get("/v1.41/images/json").then().statusCode(200)
                .body("find { it.Id == '" + dangling + "' }.RepoTags", contains("<none>:<none>"))
                .body("find { it.Id == '" + dangling + "' }.RepoDigests", contains("<none>@<none>"))
                .body("find { it.Id == '" + dangling + "' }.VirtualSize", equalTo(9));
        given().queryParam("filters", filter).get("/v1.41/images/json").then()
                .body("[0].Id", equalTo(tagged)).body("[0].RepoDigests", nullValue()).body("[0]", hasKey("VirtualSize"));
        // 1.43: empty arrays instead of placeholders; 1.44: no VirtualSize
        given().queryParam("filters", "{\"dangling\":[\"true\"]}").get("/v1.43/images/json").then()
                .body("find { it.Id == '" + dangling + "' }.RepoTags", equalTo(List.of()));
        given().queryParam("filters", filter).get("/v1.44/images/json").then()
                .body("[0].RepoDigests", equalTo(List.of())).body("[0]", not(hasKey("VirtualSize")));
        // shared-size is honoured from 1.42 on
        given().queryParam("filters", filter).queryParam("shared-size", "1").get("/v1.41/images/json").then().body("[0].SharedSize", equalTo(-1));
        given().queryParam("filters", filter).queryParam("shared-size", "1").get("/images/json").then().body("[0].SharedSize", equalTo(0));
        // dockerd's BoolValue: any other word is true
        given().queryParam("all", "notabool").get("/images/json").then().statusCode(200);
    }

    @Test
    void legacySingularFilterIsAReferenceFilterUpToApi140() {
        String mine = importTar("api/legacy-filter", "1", Map.of("l.txt", "legacy\n"));
        importTar("api/other-filter", "1", Map.of("o.txt", "other\n"));
        // docker-py pinned below 1.25 sends images(name=...) as filter=<name>
        given().queryParam("filter", "api/legacy-filter").get("/v1.24/images/json").then().statusCode(200)
                .body("Id", contains(mine));
        given().queryParam("filter", "api/legacy-filter:1").get("/v1.40/images/json").then().statusCode(200)
                .body("Id", contains(mine));
        given().queryParam("filter", "api/no-such-repo").get("/v1.40/images/json").then().statusCode(200)
                .body("$", equalTo(List.of()));
        // removed in 1.41 (version history): ignored, as dockerd does
        given().queryParam("filter", "api/legacy-filter").get("/v1.41/images/json").then().statusCode(200)
                .body("Id", org.hamcrest.Matchers.hasItem(mine)).body("RepoTags.flatten()", org.hamcrest.Matchers.hasItem("api/other-filter:1"));
    }

    @Test
    void inspectFieldsFollowTheVersionInThePath() {
        importTar("api/inspect", "1", Map.of("i.txt", "inspect\n"), "CMD [\"sh\"]");
        given().get("/v1.44/images/api/inspect:1/json").then().statusCode(200)
                .body("$", hasKey("ContainerConfig")).body("$", hasKey("Container")).body("Config.Hostname", equalTo(""));
        given().get("/v1.45/images/api/inspect:1/json").then().statusCode(200)
                .body("$", not(hasKey("ContainerConfig"))).body("$", not(hasKey("Container"))).body("$", not(hasKey("VirtualSize")));
        given().get("/v1.50/images/api/inspect:1/json").then().statusCode(200)
                .body("Config", not(hasKey("Hostname"))).body("Config.Cmd", contains("sh"));
        given().get("/images/api/inspect:1/history").then().statusCode(200)
                .body("[0].Comment", equalTo("Imported from -")).body("[0].Tags", contains("api/inspect:1"));
    }

    @Test
    void errorsHaveDockersShapeAndStatus() {
        error(given().get("/images/nonexistent/json"), 404, "No such image: nonexistent:latest");
        error(given().get("/images/nonexistent/history"), 404, "No such image: nonexistent:latest");
        error(given().get("/images/Foo:bar/json"), 400, "invalid reference format: repository name must be lowercase");
        error(given().delete("/images/Foo:bar"), 400, "invalid reference format: repository name must be lowercase");
        error(given().queryParam("filters", "{\"foo\":[\"bar\"]}").get("/images/json"), 400, "Invalid filter 'foo'");
        error(given().queryParam("filters", "{\"dangling\":[\"maybe\"]}").get("/images/json"), 400, "Invalid filter 'dangling=[maybe]'");
        error(given().queryParam("filters", "{\"until\":[\"10m\"]}").get("/v1.43/images/json"), 400, "Invalid filter 'until'");
        error(given().queryParam("filters", "{\"since\":[\"nonexistent\"]}").get("/images/json"), 404, "No such image: nonexistent:latest");
        error(given().queryParam("filters", "[\"a\"]").get("/images/json"), 400,
                "json: cannot unmarshal array into Go value of type map[string]map[string]bool");
        error(given().queryParam("filters", "{\"label\":\"x\"}").get("/images/json"), 400,
                "json: cannot unmarshal string into Go value of type map[string]bool");
        given().queryParam("filters", "{not json").get("/images/json").then().statusCode(400).body("message", startsWith("invalid filters JSON"));
        error(given().queryParam("filters", "{\"until\":[\"notatime\"]}").post("/images/prune"), 400,
                "failed to parse value as time or duration: \"notatime\"");
    }

    @Test
    void tagAnswers201OrA400() {
        importTar("api/tag", "1", Map.of("t.txt", "tag\n"));
        given().queryParam("repo", "api/tag").queryParam("tag", "two").post("/images/api/tag:1/tag").then().statusCode(201).body(equalTo(""));
        given().queryParam("repo", "api/tag:inrepo").post("/images/api/tag:1/tag").then().statusCode(201);
        error(given().queryParam("repo", "Api/Tag").queryParam("tag", "x").post("/images/api/tag:1/tag"), 400,
                "invalid reference format: repository name must be lowercase");
        error(given().queryParam("repo", "api/tag").queryParam("tag", "bad:tag").post("/images/api/tag:1/tag"), 400, "invalid tag format");
        error(given().post("/images/api/tag:1/tag"), 400, "invalid reference format");
        error(given().queryParam("repo", "api/tag@sha256:" + "0".repeat(64)).post("/images/api/tag:1/tag"), 400,
                "refusing to create a tag with a digest reference");
        error(given().queryParam("repo", "api/x").queryParam("tag", "1").post("/images/nonexistent/tag"), 404,
                "No such image: nonexistent:latest");
        given().get("/images/api/tag:two/json").then().statusCode(200).body("RepoTags", containsInAnyOrder("api/tag:1", "api/tag:two", "api/tag:inrepo"));
    }

    @Test
    void deleteAnswersWhatWasUntaggedAndDeleted() {
        String id = importTar("api/del", "1", Map.of("d.txt", "delete\n"));
        String shortId = id.substring(7, 19);
        given().queryParam("repo", "api/del").queryParam("tag", "2").post("/images/api/del:1/tag").then().statusCode(201);
        given().queryParam("repo", "other/del").queryParam("tag", "x").post("/images/api/del:1/tag").then().statusCode(201);

        given().delete("/images/api/del:2").then().statusCode(200).body("", equalTo(List.of(Map.of("Untagged", "api/del:2"))));
        error(given().delete("/images/" + shortId), 409,
                "conflict: unable to delete " + shortId + " (must be forced) - image is referenced in multiple repositories");
        List<Map<String, String>> answer = given().queryParam("force", "1").delete("/images/" + id).then().statusCode(200)
                .extract().jsonPath().getList("");
        assertThat(answer).startsWith(Map.of("Untagged", "api/del:1"), Map.of("Untagged", "other/del:x"));
        assertThat(answer).contains(Map.of("Deleted", id));
        assertThat(answer.get(answer.size() - 1)).containsKey("Deleted");
        error(given().get("/images/" + id + "/json"), 404, "No such image: " + id);
        error(given().delete("/images/sha256:" + "0".repeat(64)), 404, "No such image: sha256:" + "0".repeat(64));
    }

    @Test
    void pruneReportsDeletedImagesAndReclaimedSpace() {
        String keep = importTar("api/prune", "keep", Map.of("p.txt", "prune keep\n"), "LABEL team=core");
        String dangling = importTar(null, null, Map.of("q.txt", "prune dangling\n"));
        String labelled = importTar("api/prune", "core", Map.of("r.txt", "prune core!\n"), "LABEL team=core");
        given().queryParam("repo", "api/prune").queryParam("tag", "core2").post("/images/" + labelled + "/tag").then().statusCode(201);

        Response first = given().post("/images/prune");
        first.then().statusCode(200).body("SpaceReclaimed", equalTo(15));
        assertThat(first.jsonPath().getList("ImagesDeleted")).contains(Map.of("Deleted", dangling));
        given().post("/images/prune").then().statusCode(200).body("ImagesDeleted", nullValue()).body("SpaceReclaimed", equalTo(0));

        // dangling=false prunes unused tagged images too; label! spares the labelled ones
        given().queryParam("filters", "{\"dangling\":[\"false\"],\"label!\":[\"team=core\"],\"reference\":[\"x\"]}")
                .post("/images/prune").then().statusCode(400).body("message", equalTo("Invalid filter 'reference'"));
        Response all = given().queryParam("filters", "{\"dangling\":[\"false\"],\"label\":[\"team=core\"]}").post("/images/prune");
        all.then().statusCode(200);
        assertThat(all.jsonPath().getList("ImagesDeleted")).contains(Map.of("Untagged", "api/prune:core"),
                Map.of("Untagged", "api/prune:core2"), Map.of("Deleted", labelled), Map.of("Untagged", "api/prune:keep"), Map.of("Deleted", keep));
    }

    @Test
    void importAcceptsCompressedTarsAndRefusesBadInput() throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(Tars.of(Map.of("g.txt", "gzip\n")));
        }
        given().contentType("application/x-tar").body(gz.toByteArray()).queryParam("fromSrc", "-").queryParam("repo", "api/imp:gz")
                .post("/images/create").then().statusCode(200);
        given().get("/images/api/imp:gz/json").then().statusCode(200).body("Size", equalTo(5)).body("Comment", equalTo("Imported from -"));

        error(given().contentType("application/x-tar").body(Tars.of(Map.of("a", "b"))).queryParam("fromSrc", "-")
                .queryParam("changes", "RUN x").post("/images/create"), 400, "run is not a valid change command");
        error(given().contentType("application/x-tar").body("garbage".getBytes(java.nio.charset.StandardCharsets.UTF_8)).queryParam("fromSrc", "-").queryParam("repo", "api/imp")
                .queryParam("tag", "garbage").post("/images/create"), 400, "Error processing tar file(exit status 1): unexpected EOF");
        error(given().contentType("application/x-tar").body(Tars.of(Map.of("a", "b"))).queryParam("fromSrc", "-")
                .queryParam("platform", "windows/amd64").post("/images/create"), 400, "operating system is not supported");
        error(given().contentType("application/x-tar").body(Tars.of(Map.of("a", "b"))).queryParam("fromSrc", "-")
                .queryParam("repo", "Api/Imp").post("/images/create"), 400, "invalid reference format: repository name must be lowercase");
        given().get("/images/api/imp:garbage/json").then().statusCode(404);
    }
}
