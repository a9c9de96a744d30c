package io.imaged.api;

import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.TarBuilder;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /imaged/disk}: two images loaded from archives that share their base layer; the report's layers, sharing
 * and totals agree with {@code /system/df} and the images' RootFS, and a bad {@code top} is a 400 in words.
 */
class DiskApiTest extends ApiTestSupport {

    private static String load(String tag, List<byte[]> layers) {
        return load(tag, layers, "[\"" + tag + "\"]");
    }

    private static String load(String tag, List<byte[]> layers, String repoTags) {
        List<String> diffIds = new ArrayList<>();
        for (byte[] l : layers) diffIds.add(RegistrySeeder.sha256(l));
        String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"t\":\"" + tag + "\"}},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + String.join("\",\"", diffIds) + "\"]}}";
        TarBuilder archive = new TarBuilder().file("config.json", config);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            archive.file(i + "/layer.tar", layers.get(i));
            names.add("\"" + i + "/layer.tar\"");
        }
        archive.file("manifest.json", "[{\"Config\":\"config.json\",\"RepoTags\":" + repoTags + ",\"Layers\":[" + String.join(",", names) + "]}]");
        given().contentType("application/x-tar").body(archive.build()).post("/images/load?quiet=1").then().statusCode(200);
        return RegistrySeeder.sha256(config.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void layersAndBlobsBySizeAgreeWithTheStore() {
        byte[] base = new TarBuilder().file("base/big", "b".repeat(40_000)).build();
        String a = load("disk/a:1", List.of(base, new TarBuilder().file("a", "a".repeat(3_000)).build()));
        String b = load("disk/b:1", List.of(base, new TarBuilder().file("b", "b".repeat(5_000)).build()));

        JsonPath r = given().get("/imaged/disk?top=1000").then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();
        JsonPath df = given().get("/system/df").then().statusCode(200).extract().jsonPath();
        assertThat(r.getLong("layersBytes")).isEqualTo(df.getLong("LayersSize"));
        assertThat(r.getInt("images")).isEqualTo(df.getList("Images").size());
        assertThat(r.getLong("pruneUnusedFrees")).isEqualTo(r.getLong("layersBytes"));

        // the base layer: its chain ID is its diff ID; both images use it, and it counts as shared
        String baseDiff = RegistrySeeder.sha256(base);
        List<Map<String, Object>> layers = r.getList("topLayers");
        assertThat(layers).hasSize(r.getInt("layers"));
        Map<String, Object> baseUse = layers.stream().filter(l -> baseDiff.equals(l.get("chainId"))).findFirst().orElseThrow();
        assertThat(baseUse.get("diffId")).isEqualTo(baseDiff);
        assertThat((Integer) baseUse.get("images")).isGreaterThanOrEqualTo(2);
        assertThat((List<?>) baseUse.get("imageIds")).hasSizeLessThanOrEqualTo(5);
        long baseSize = ((Number) baseUse.get("size")).longValue();
        assertThat(baseSize).isGreaterThanOrEqualTo(40_000);
        assertThat(r.getLong("sharedBytes")).isGreaterThanOrEqualTo(baseSize);
        assertThat(r.getInt("sharedLayers")).isGreaterThanOrEqualTo(1);
        // largest first
        List<Long> sizes = layers.stream().map(l -> ((Number) l.get("size")).longValue()).toList();
        assertThat(sizes).isSortedAccordingTo((x, y) -> Long.compare(y, x));
        // each image's own top layer is used by that image alone (tagged: prune of dangling images leaves it)
        for (String id : List.of(a, b)) {
            List<String> chain = given().get("/images/" + id + "/json").then().statusCode(200).extract().jsonPath().getList("RootFS.Layers");
            assertThat(chain).hasSize(2).contains(baseDiff);
        }

        // blobs: the layers' blobs are there, with their media type, and the totals add up
        List<Map<String, Object>> blobs = r.getList("topBlobs");
        assertThat(blobs).hasSize(r.getInt("blobs"));
        assertThat(blobs).anyMatch(x -> "layer".equals(x.get("kind")) && baseDiff.equals(x.get("digest")) && Boolean.TRUE.equals(x.get("referenced"))
                && !((String) x.get("mediaType")).isEmpty());
        assertThat(blobs.stream().mapToLong(x -> ((Number) x.get("size")).longValue()).sum()).isEqualTo(r.getLong("blobsBytes"));
        assertThat(blobs.stream().filter(x -> !Boolean.TRUE.equals(x.get("referenced"))).mapToLong(x -> ((Number) x.get("size")).longValue()).sum())
                .isEqualTo(r.getLong("unreferencedBytes"));

        // top=1: one of each, the largest
        given().get("/imaged/disk?top=1").then().statusCode(200)
                .body("topLayers.size()", org.hamcrest.Matchers.equalTo(1))
                .body("topLayers[0].size", org.hamcrest.Matchers.equalTo(layers.get(0).get("size")))
                .body("topBlobs.size()", org.hamcrest.Matchers.equalTo(1));
        // the version prefix works as on every path
        given().get("/v1.50/imaged/disk").then().statusCode(200);
    }

    @Test
    void whatPruningDanglingImagesWouldFreeIsWhatItFrees() {
        byte[] shared = new TarBuilder().file("shared/lib", "s".repeat(20_000)).build();
        load("disk/kept:1", List.of(shared));
        // untagged: one layer of its own and one it shares with a tagged image (which stays)
        String untagged = load("disk/untagged", List.of(shared, new TarBuilder().file("own", "o".repeat(7_000)).build()), "null");
        JsonPath before = given().get("/imaged/disk").then().statusCode(200).extract().jsonPath();
        assertThat(before.getInt("danglingImages")).isGreaterThanOrEqualTo(1);
        long expected = before.getLong("pruneDanglingFrees");
        assertThat(expected).as("at least the untagged image's own layer").isGreaterThanOrEqualTo(7_000);

        JsonPath pruned = given().queryParam("filters", "{\"dangling\":[\"true\"]}").post("/images/prune")
                .then().statusCode(200).extract().jsonPath();
        assertThat(pruned.getString("ImagesDeleted")).contains(untagged);
        assertThat(pruned.getLong("SpaceReclaimed")).isEqualTo(expected);
        JsonPath after = given().get("/imaged/disk").then().statusCode(200).extract().jsonPath();
        assertThat(after.getInt("danglingImages")).isZero();
        assertThat(after.getLong("pruneDanglingFrees")).isZero();
        assertThat(after.getLong("layersBytes")).isEqualTo(before.getLong("layersBytes") - expected);
    }

    @Test
    void aBadTopIsA400InWords() {
        for (String top : List.of("abc", "0", "-3", "1001", "2.5")) {
            Response r = given().get("/imaged/disk?top=" + top);
            r.then().statusCode(400).contentType(ContentType.JSON);
            assertThat(r.jsonPath().getString("message")).isEqualTo("top must be a whole number from 1 to 1000, not " + top);
        }
    }
}
