package io.imaged.api;

import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.TarBuilder;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

/**
 * {@code GET /imaged/images/{name}/layers/{index}/files}, the layer explorer's listing: a three-layer image loaded
 * from an archive, paged, with whiteouts, wasted space, and a 4xx with words for every bad request.
 */
class LayerFilesApiTest extends ApiTestSupport {
    private static final String IMAGE = "explore/team/layers:1";
    private static boolean loaded;

    private static byte[] layer0() {
        TarBuilder t = new TarBuilder().dir("etc").file("etc/a", "0123456789").file("etc/b", "bbbbb").dir("d").file("d/x", "xxx");
        for (int i = 0; i < 25; i++) t.file(String.format("etc/many-%02d", i), "m");
        return t.build();
    }

    @BeforeAll
    static void noImageYet() {
        loaded = false;
    }

    private void load() {
        if (loaded) return;
        List<byte[]> layers = List.of(layer0(),
                new TarBuilder().file("etc/a", "22").file("etc/.wh.b", "").build(),
                new TarBuilder().file(".wh.d", "").file("new", "1").build());
        List<String> diffIds = new ArrayList<>();
        for (byte[] l : layers) diffIds.add(RegistrySeeder.sha256(l));
        String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + String.join("\",\"", diffIds) + "\"]}}";
        TarBuilder archive = new TarBuilder().file("config.json", config);
        for (int i = 0; i < layers.size(); i++) archive.file(i + "/layer.tar", layers.get(i));
        archive.file("manifest.json", "[{\"Config\":\"config.json\",\"RepoTags\":[\"" + IMAGE + "\"],\"Layers\":[\"0/layer.tar\",\"1/layer.tar\",\"2/layer.tar\"]}]");
        String body = given().contentType("application/x-tar").body(archive.build()).post("/images/load?quiet=1")
                .then().statusCode(200).extract().asString();
        assertThat(body).contains("Loaded image: " + IMAGE);
        loaded = true;
    }

    private static void error(Response r, int status, String messagePart) {
        r.then().statusCode(status).contentType(ContentType.JSON);
        assertThat(r.jsonPath().getString("message")).contains(messagePart);
        assertThat(r.asString()).doesNotContain("Exception", "\tat ");
    }

    @Test
    void aLayerIsListedAPageAtATimeSortedByPath() {
        load();
        given().get("/imaged/images/" + IMAGE + "/layers/0/files?limit=3")
                .then().statusCode(200).contentType(ContentType.JSON)
                .body("total", equalTo(30)).body("offset", equalTo(0)).body("limit", equalTo(3))
                .body("files.path", contains("d", "d/x", "etc"))
                .body("files[1].size", equalTo(3)).body("files[1].change", equalTo("ADDED")).body("files[1].type", equalTo("file"))
                .body("layers", hasSize(3)).body("layer.index", equalTo(0)).body("layer.files", equalTo(30));
        given().get("/imaged/images/" + IMAGE + "/layers/0/files?offset=28&limit=5")
                .then().statusCode(200).body("files.path", contains("etc/many-23", "etc/many-24"));
        given().get("/imaged/images/" + IMAGE + "/layers/0/files?offset=30")
                .then().statusCode(200).body("files", hasSize(0));
        given().get("/imaged/images/" + IMAGE + "/layers/0/files?contains=many-1")
                .then().statusCode(200).body("total", equalTo(10));
        // the API version prefix works as on every other path
        given().get("/v1.50/imaged/images/" + IMAGE + "/layers/0/files?limit=1").then().statusCode(200).body("files.path", contains("d"));
    }

    @Test
    void whiteoutsChangesAndWastedSpaceAreReported() {
        load();
        given().get("/imaged/images/" + IMAGE + "/layers/1/files")
                .then().statusCode(200)
                .body("files.path", contains("etc/a", "etc/b"))
                .body("files.change", contains("CHANGED", "DELETED"))
                .body("files[1].type", equalTo("whiteout")).body("files[1].removedBytes", equalTo(5))
                .body("layer.changed", equalTo(1)).body("layer.deleted", equalTo(1));
        given().get("/imaged/images/" + IMAGE + "/layers/2/files")
                .then().statusCode(200)
                .body("files.path", contains("d", "new")).body("files[0].removedBytes", equalTo(3));
        // base layer: etc/a (10), etc/b (5) and d/x (3) are overwritten or deleted later
        given().get("/imaged/images/" + IMAGE + "/layers/0/files?contains=etc/a")
                .then().statusCode(200).body("files[0].superseded", equalTo(true)).body("layers[0].wastedBytes", equalTo(18))
                // dive: etc/a 10+2, etc/b 5+0, d 0+3
                .body("wastedBytes", equalTo(20));
    }

    @Test
    void badRequestsGetA4xxWithWords() {
        load();
        String base = "/imaged/images/" + IMAGE + "/layers/";
        error(given().get("/imaged/images/explore/none:1/layers/0/files"), 404, "No such image: explore/none:1");
        error(given().get(base + "3/files"), 404, "has 3 layers");
        error(given().get(base + "x/files"), 400, "layer index must be a whole number");
        error(given().get(base + "-1/files"), 400, "layer index must be at least 0");
        error(given().get(base + "99999999999999999999/files"), 400, "layer index must be a whole number");
        error(given().get(base + "0/files?offset=-1"), 400, "offset must be at least 0");
        error(given().get(base + "0/files?offset=31"), 400, "offset 31 is past the end");
        error(given().get(base + "0/files?limit=0"), 400, "limit must be between 1 and 5000");
        error(given().get(base + "0/files?limit=5001"), 400, "limit must be between 1 and 5000");
        error(given().get(base + "0/files?limit=ten"), 400, "limit must be a whole number");
        error(given().get("/imaged/images/Bad%20Name!/layers/0/files"), 400, "invalid reference format");
    }

    @Test
    void aPageOfAnotherOriginIsRefusedAsEverywhere() {
        load();
        error(given().header("Origin", "http://evil.example").get("/imaged/images/" + IMAGE + "/layers/0/files"), 403,
                "Origin http://evil.example is not allowed");
        // the daemon's own origin (a page it serves) is let in
        given().header("Origin", "http://127.0.0.1:" + port).get("/imaged/images/" + IMAGE + "/layers/0/files?limit=1")
                .then().statusCode(200);
    }
}
