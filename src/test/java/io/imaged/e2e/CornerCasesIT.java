package io.imaged.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.testsupport.Cli;
import io.imaged.testsupport.Curl;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.TarBuilder;
import io.imaged.testsupport.TestImages;
import io.imaged.testsupport.TestImages.Compression;
import io.imaged.testsupport.TestImages.Entry;
import io.imaged.testsupport.TestImages.Layer;
import io.imaged.testsupport.WorkDir;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The corners of issue 11 where imaged answered differently from dockerd, each through a real client (the docker
 * CLI 28, curl) against the packaged imaged; what the reference dockerd 20.10 answered is in docs/compatibility.md.
 */
@ImagedTest
class CornerCasesIT {
    @WorkDir
    static Path dir;
    @Registry
    static RegistryProcess registry;
    @Imaged
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;
    static final ObjectMapper json = new ObjectMapper();

    private static Curl curl() {
        return Curl.unix(dir.resolve("curl"), imaged.socket());
    }

    private static String importTar(String content, String name) {
        byte[] tar = new TarBuilder().file("etc/corner", content).build();
        return docker.run(new ByteArrayInputStream(tar), "import", "-", name).ok().stdout().trim();
    }

    /** Every file under the data root (but the socket) with its content hash: "the store as it was". */
    private static Map<String, String> storeFiles() throws IOException {
        Map<String, String> out = new TreeMap<>();
        Path root = imaged.dataRoot();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = root.relativize(p).toString();
                if (rel.equals("imaged.sock") || rel.equals("engine-id")) continue;
                out.put(rel, RegistrySeeder.sha256(Files.readAllBytes(p)));
            }
        }
        return out;
    }

    /** dockerd: 400 "invalid reference format: repository name must be lowercase"; a first component is a host only with . or : or as localhost. */
    @Test
    void anUppercaseNameIsA400NeverARegistryHost() throws Exception {
        importTar("upper\n", "corner/upper:1");
        Map<String, String> before = storeFiles();
        String lowercase = "invalid reference format: repository name must be lowercase";
        for (String[] args : List.of(new String[] {"pull", "UPPER/case:1"}, new String[] {"tag", "corner/upper:1", "UPPER/case:1"},
                new String[] {"push", "UPPER/case:1"}, new String[] {"image", "inspect", "UPPER/case:1"})) {
            DockerCli.Result r = docker.run(args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(1);
            assertThat(r.stderr()).as(String.join(" ", args)).contains(lowercase).doesNotContain("dial tcp");
        }
        DockerCli.Result imported = docker.run(new ByteArrayInputStream(new TarBuilder().file("a", "x").build()), "import", "-", "UPPER/case:1");
        assertThat(imported.exitCode()).isEqualTo(1);
        assertThat(imported.stderr().strip()).isEqualTo("Error response from daemon: " + lowercase);

        Path body = dir.resolve("upper.tar");
        Files.write(body, new TarBuilder().file("a", "x").build());
        Curl c = curl();
        for (Curl.Answer a : List.of(
                c.request("POST", "/v1.50/images/create?fromImage=UPPER/case&tag=1", null),
                c.request("POST", "/v1.50/images/create?fromImage=UPPER/case:1", null),
                c.request("POST", "/v1.50/images/create?fromSrc=-&repo=UPPER/case&tag=1", body),
                c.request("POST", "/v1.50/images/create?fromSrc=-&repo=UPPER/case:1", body),
                c.request("POST", "/v1.50/images/corner/upper:1/tag?repo=UPPER/case&tag=1", null),
                c.request("POST", "/v1.50/images/UPPER/case:1/push", null, "X-Registry-Auth: e30="),
                c.request("GET", "/v1.50/images/get?names=UPPER/case:1", null),
                c.request("GET", "/v1.50/distribution/UPPER/case:1/json", null))) {
            assertThat(a.status()).as(a.body()).isEqualTo(400);
            assertThat(json.readTree(a.body()).path("message").asText()).isEqualTo(lowercase);
        }
        assertThat(storeFiles()).as("the store as it was").isEqualTo(before);
        // a first component with a dot is still a registry, whatever its case
        assertThat(docker.run("tag", "corner/upper:1", "Example.COM/team/app:1").exitCode()).isZero();
        assertThat(docker.run("rmi", "Example.COM/team/app:1").ok().stdout()).contains("Untagged: Example.COM/team/app:1");
        docker.run("rmi", "corner/upper:1").ok();
    }

    /** dockerd's GetImage: a prefix matching several images is no match — "No such image: <prefix>:latest", 404. */
    @Test
    void anAmbiguousIdPrefixIsNoSuchImage() throws Exception {
        Map<Character, List<String>> byFirst = new HashMap<>();
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 40 && byFirst.values().stream().noneMatch(l -> l.size() >= 2); i++) {
            String id = importTar("ambiguous " + i + "\n", "corner/ambiguous:" + i);
            made.add("corner/ambiguous:" + i);
            byFirst.computeIfAbsent(id.charAt(7), k -> new ArrayList<>()).add(id);
        }
        var shared = byFirst.entrySet().stream().filter(e -> e.getValue().size() >= 2).findFirst().orElseThrow();
        String prefix = String.valueOf(shared.getKey());
        String missing = "Error response from daemon: No such image: " + prefix + ":latest";
        Map<String, String> before = storeFiles();
        for (String[] args : List.of(new String[] {"rmi", prefix}, new String[] {"image", "inspect", prefix},
                new String[] {"tag", prefix, "corner/tagged:1"}, new String[] {"history", prefix},
                new String[] {"save", "-o", dir.resolve("ambiguous.tar").toString(), prefix})) {
            DockerCli.Result r = docker.run(args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(1);
            assertThat(r.stderr().strip()).as(String.join(" ", args)).endsWith(missing);
        }
        Curl.Answer inspect = curl().request("GET", "/v1.50/images/" + prefix + "/json", null);
        assertThat(inspect.status()).isEqualTo(404);
        assertThat(json.readTree(inspect.body()).path("message").asText()).isEqualTo("No such image: " + prefix + ":latest");
        Curl.Answer delete = curl().request("DELETE", "/v1.50/images/" + prefix, null);
        assertThat(delete.status()).isEqualTo(404);
        assertThat(storeFiles()).as("the store as it was").isEqualTo(before);

        // a prefix that names one image still does
        String one = shared.getValue().get(0);
        String unique = one.substring(7, 7 + 12);
        assertThat(docker.run("image", "inspect", "--format", "{{.Id}}", unique).ok().stdout().trim()).isEqualTo(one);
        for (String name : made) docker.run("rmi", name).ok();
    }

    /** dockerd: GET /images/get without names is a 200 archive of no images, manifest.json "null". */
    @Test
    void saveWithoutNamesIsAnEmptyArchive() throws Exception {
        Path saved = dir.resolve("empty-save.tar");
        Process p = new ProcessBuilder("curl", "-sS", "--max-time", "60", "--unix-socket", imaged.socket().toString(), "-o", saved.toString(),
                "-w", "%{http_code} %{content_type}", "http://localhost/v1.50/images/get").start();
        String answered = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        assertThat(answered).isEqualTo("200 application/x-tar");
        Map<String, String> entries = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(saved); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) entries.put(e.getName(), new String(tar.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertThat(entries.keySet()).containsExactly("index.json", "manifest.json", "oci-layout");
        assertThat(entries.get("manifest.json")).isEqualTo("null\n");
        assertThat(json.readTree(entries.get("index.json")).path("manifests").isNull()).isTrue();
        // an empty names= is still an invalid name (dockerd: 500 "invalid reference format"; here 400)
        Curl.Answer blank = curl().request("GET", "/v1.50/images/get?names=", null);
        assertThat(blank.status()).isEqualTo(400);
        assertThat(json.readTree(blank.body()).path("message").asText()).isEqualTo("invalid reference format");
    }

    /** Version history 1.42 removed BuilderSize from /system/df; dockerd 20.10 (1.41) sends it as 0. */
    @Test
    void systemDfHasBuilderSizeBelowApi142Only() throws Exception {
        JsonNode old = json.readTree(curl().request("GET", "/v1.41/system/df", null).body());
        assertThat(old.has("BuilderSize")).isTrue();
        assertThat(old.path("BuilderSize").asLong(-1)).isZero();
        List<String> fields = new ArrayList<>();
        old.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("LayersSize", "Images", "Containers", "Volumes", "BuildCache", "BuilderSize");
        assertThat(json.readTree(curl().request("GET", "/v1.42/system/df", null).body()).has("BuilderSize")).isFalse();
        assertThat(json.readTree(curl().request("GET", "/v1.50/system/df", null).body()).has("BuilderSize")).isFalse();
    }

    /**
     * dockerd keeps a repo@digest reference where it was (addDigestReference): after pulling the other platform of
     * the same index, the old image keeps its RepoDigest ({@code busybox <none> sha256:…}), the tag moves.
     */
    @Test
    void pullingAnotherPlatformKeepsTheOldImagesRepoDigestAndTheTreeShowsSizes() throws Exception {
        RegistrySeeder seeder = new RegistrySeeder(registry.url());
        Layer base = TestImages.layer(Map.of("bin/busybox", "busybox stand-in\n"), Compression.GZIP);
        byte[] amdCfg = TestImages.config(List.of(base), "linux", "amd64", null, "amd64");
        byte[] armCfg = TestImages.config(List.of(base), "linux", "arm64", "v8", "arm64");
        byte[] amd = TestImages.manifest(seeder, "corner/busybox", amdCfg, List.of(base), false);
        byte[] arm = TestImages.manifest(seeder, "corner/busybox", armCfg, List.of(base), false);
        seeder.manifest("corner/busybox", RegistrySeeder.sha256(amd), TestImages.DOCKER_MANIFEST, amd);
        seeder.manifest("corner/busybox", RegistrySeeder.sha256(arm), TestImages.DOCKER_MANIFEST, arm);
        byte[] list = TestImages.index(List.of(new Entry(amd, TestImages.DOCKER_MANIFEST, "linux", "amd64", null),
                new Entry(arm, TestImages.DOCKER_MANIFEST, "linux", "arm64", "v8")), false);
        String listDigest = seeder.manifest("corner/busybox", "latest", TestImages.DOCKER_LIST, list);
        String repo = registry.host() + "/corner/busybox";
        String amdId = RegistrySeeder.sha256(amdCfg);
        String armId = RegistrySeeder.sha256(armCfg);

        docker.run("pull", "--platform", "linux/amd64", repo).ok();
        docker.run("pull", "--platform", "linux/arm64", repo).ok();
        List<String> rows = docker.run("images", "--digests", "--no-trunc", "--format", "{{.Repository}} {{.Tag}} {{.Digest}} {{.ID}}", repo)
                .ok().lines();
        assertThat(rows).containsExactlyInAnyOrder(repo + " <none> " + listDigest + " " + amdId, repo + " latest <none> " + armId);
        assertThat(docker.run("image", "inspect", "--format", "{{json .RepoDigests}}", amdId).ok().stdout().trim())
                .isEqualTo("[\"" + repo + "@" + listDigest + "\"]");

        // docker images --tree (API 1.47+ manifests=1): the manifest pulled, its content size (manifest, config, gzip layer)
        JsonNode listed = json.readTree(curl().request("GET", "/v1.50/images/json?manifests=1&filters="
                + java.net.URLEncoder.encode("{\"reference\":{\"" + repo + "\":true}}", StandardCharsets.UTF_8), null).body());
        JsonNode armEntry = null;
        for (JsonNode img : listed) if (img.path("Id").asText().equals(armId)) armEntry = img;
        assertThat(armEntry).isNotNull();
        JsonNode m = armEntry.path("Manifests").get(0);
        long content = arm.length + armCfg.length + base.blob().length;
        assertThat(m.path("ID").asText()).isEqualTo(RegistrySeeder.sha256(arm));
        assertThat(m.path("Descriptor").path("mediaType").asText()).isEqualTo(TestImages.DOCKER_MANIFEST);
        assertThat(m.path("Descriptor").path("size").asLong()).isEqualTo(arm.length);
        assertThat(m.path("Available").asBoolean()).isTrue();
        assertThat(m.path("Kind").asText()).isEqualTo("image");
        assertThat(m.path("Size").path("Content").asLong()).isEqualTo(content);
        assertThat(m.path("Size").path("Total").asLong()).isEqualTo(content + armEntry.path("Size").asLong());
        assertThat(m.path("ImageData").path("Platform").toString()).isEqualTo("{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}");
        assertThat(m.path("ImageData").path("Size").path("Unpacked").asLong()).isEqualTo(armEntry.path("Size").asLong());
        assertThat(json.readTree(curl().request("GET", "/v1.46/images/json?manifests=1", null).body()).get(0).has("Manifests"))
                .as("manifests=1 is 1.47+").isFalse();

        List<String> tree = docker.run("images", "--tree").ok().lines();
        String human = humanSize(content);
        // the image's row (its name may be cut to the column) and its platform's row: content size, never 0B
        assertThat(tree).anySatisfy(l -> assertThat(l).contains(armId.substring(7, 19)).contains(" " + human + " "));
        assertThat(tree).anySatisfy(l -> assertThat(l).contains("linux/arm64/v8").contains(RegistrySeeder.sha256(arm).substring(7, 19))
                .contains(" " + human + " "));

        // an imported image: its manifest is the one docker save writes for it
        String imported = importTar("tree\n", "corner/tree:1");
        String savedIndex = savedIndexDigest("corner/tree:1");
        JsonNode importedEntry = null;
        for (JsonNode img : json.readTree(curl().request("GET", "/v1.50/images/json?manifests=1", null).body())) {
            if (img.path("Id").asText().equals(imported)) importedEntry = img;
        }
        assertThat(importedEntry.path("Manifests").get(0).path("ID").asText()).isEqualTo(savedIndex);
        assertThat(importedEntry.path("Manifests").get(0).path("Size").path("Content").asLong()).isPositive();
        docker.run("rmi", "corner/tree:1", repo, amdId).ok();
    }

    /**
     * A legacy archive as docker 1.9 wrote it ({@code repositories}, {@code <v1 id>/VERSION|json|layer.tar}, no
     * manifest.json): dockerd 20.10 loads it (moby's legacyLoad) — one image per v1 directory, parent chain kept,
     * configs made from the v1 json, tags from {@code repositories}; it must inspect sensibly and save again.
     */
    @Test
    void aLegacyArchiveLoadsInspectsAndSavesAgain() throws Exception {
        String base = "a".repeat(63) + "1";
        String child = "b".repeat(63) + "2";
        String baseJson = "{\"id\":\"" + base + "\",\"created\":\"2015-11-01T10:00:00.123456789Z\",\"container_config\":{\"Cmd\":"
                + "[\"/bin/sh\",\"-c\",\"#(nop) ADD file:abc in /\"]},\"docker_version\":\"1.9.1\",\"config\":{\"Env\":[\"PATH=/bin\"]},"
                + "\"architecture\":\"amd64\",\"os\":\"linux\",\"Size\":6}";
        String childJson = "{\"id\":\"" + child + "\",\"parent\":\"" + base + "\",\"created\":\"2015-11-01T10:00:05Z\","
                + "\"container_config\":{\"Cmd\":[\"/bin/sh\",\"-c\",\"#(nop) CMD [\\\"sh\\\"]\"]},\"docker_version\":\"1.9.1\","
                + "\"author\":\"someone\",\"config\":{\"Cmd\":[\"sh\"],\"Labels\":{\"team\":\"legacy\"}},\"architecture\":\"amd64\","
                + "\"os\":\"linux\",\"Size\":4}";
        byte[] archive = new TarBuilder()
                .file("repositories", "{\"corner/legacy\":{\"1\":\"" + child + "\",\"latest\":\"" + child + "\"}}")
                .file(base + "/VERSION", "1.0").file(base + "/json", baseJson)
                .file(base + "/layer.tar", new TarBuilder().file("etc/base", "base!\n").build())
                .file(child + "/VERSION", "1.0").file(child + "/json", childJson)
                .file(child + "/layer.tar", new TarBuilder().file("etc/child", "kid\n").build()).build();
        Path file = dir.resolve("legacy.tar");
        Files.write(file, archive);

        DockerCli.Result loaded = docker.run("load", "-i", file.toString()).ok();
        assertThat(loaded.stderr()).isEmpty();
        String id = docker.run("image", "inspect", "--format", "{{.Id}}", "corner/legacy:1").ok().stdout().trim();
        assertThat(docker.run("image", "inspect", "--format", "{{.Id}}", "corner/legacy:latest").ok().stdout().trim()).isEqualTo(id);
        String parent = docker.run("image", "inspect", "--format", "{{.Parent}}", id).ok().stdout().trim();
        assertThat(parent).startsWith("sha256:").isNotEqualTo(id);
        JsonNode inspect = json.readTree(docker.run("image", "inspect", id).ok().stdout()).get(0);
        assertThat(inspect.path("Author").asText()).isEqualTo("someone");
        assertThat(inspect.path("DockerVersion").asText()).isEqualTo("1.9.1");
        assertThat(inspect.path("Created").asText()).isEqualTo("2015-11-01T10:00:05Z");
        assertThat(inspect.path("Config").path("Cmd").toString()).isEqualTo("[\"sh\"]");
        assertThat(inspect.path("Config").path("Labels").path("team").asText()).isEqualTo("legacy");
        assertThat(inspect.path("RootFS").path("Layers")).hasSize(2);
        assertThat(inspect.path("Size").asLong()).isEqualTo(10);
        assertThat(docker.run("history", "--no-trunc", "--format", "{{.CreatedBy}}", id).ok().lines())
                .containsExactly("/bin/sh -c #(nop) CMD [\"sh\"]", "/bin/sh -c #(nop) ADD file:abc in /");
        assertThat(docker.run("images", "-a", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}").ok().lines())
                .contains(id + " corner/legacy:1", parent + " <none>:<none>");

        // saved again and loaded back: the same image
        Path saved = dir.resolve("legacy-saved.tar");
        docker.run("save", "-o", saved.toString(), "corner/legacy:1").ok();
        docker.run("rmi", "corner/legacy:1", "corner/legacy:latest").ok();
        assertThat(docker.run("load", "-i", saved.toString()).ok().stdout().trim()).isEqualTo("Loaded image: corner/legacy:1");
        assertThat(docker.run("image", "inspect", "--format", "{{.Id}}", "corner/legacy:1").ok().stdout().trim()).isEqualTo(id);
        docker.run("rmi", "corner/legacy:1").ok();

        // a tag naming no image of the archive: dockerd's words, in the stream; nothing stored
        Map<String, String> before = storeFiles();
        Files.write(file, new TarBuilder().file("repositories", "{\"corner/legacy\":{\"1\":\"" + "c".repeat(64) + "\"}}")
                .file(base + "/VERSION", "1.0").file(base + "/json", baseJson)
                .file(base + "/layer.tar", new TarBuilder().file("etc/base", "base!\n").build()).build());
        DockerCli.Result bad = docker.run("load", "-i", file.toString());
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.stderr()).contains("invalid target ID: " + "c".repeat(64));
        assertThat(storeFiles()).isEqualTo(before);
    }

    private static String savedIndexDigest(String name) throws IOException {
        byte[] tar = docker.runBytes("save", name);
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (e.getName().equals("index.json")) return json.readTree(in.readAllBytes()).path("manifests").get(0).path("digest").asText();
            }
        }
        throw new AssertionError("no index.json in the saved archive");
    }

    /** go-units HumanSizeWithPrecision(size, 3): decimal units, three significant digits. */
    static String humanSize(long size) {
        String[] units = {"B", "kB", "MB", "GB"};
        double s = size;
        int i = 0;
        while (s >= 1000 && i < units.length - 1) {
            s /= 1000;
            i++;
        }
        return new java.math.BigDecimal(s).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString() + units[i];
    }
}
