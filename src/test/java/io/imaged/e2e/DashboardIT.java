package io.imaged.e2e;

import io.imaged.testsupport.Browser;
import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.FaultProxy;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Proxy;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryHttp;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.Tars;
import io.imaged.testsupport.TestImages;
import io.imaged.testsupport.WorkDir;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.FluentWait;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real headless Chromium, against imaged with its default settings (so every POST and DELETE the
 * page sends passes the browser protection as a same-origin request): pull from a real registry through form#pull
 * with per-layer progress, the row with the size `docker images` prints, details and the layer explorer, tag, push
 * (checked on the registry), remove (with Docker's conflict message), prune, save (a real download) and load (an
 * upload). With {@code -Ddashboard.screenshots=true} it also writes docs/screenshots/*.png.
 */
@ImagedTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardIT {
    private static final boolean SCREENSHOTS = Boolean.getBoolean("dashboard.screenshots");
    private static final Path SCREENSHOT_DIR = Path.of(System.getProperty("dashboard.screenshots.dir", "docs/screenshots"));
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Registry
    static RegistryProcess registry;
    @Proxy
    static FaultProxy slow;
    @Imaged
    static ImagedProcess imaged;
    @Cli
    static DockerCli docker;
    @WorkDir
    static Path dir;

    static Browser browser;
    static ChromeDriver driver;
    static Path downloads;
    static List<TestImages.Layer> layers;
    static String imageId;
    /** The image as the page pulls it: through the proxy that holds one layer back. */
    static String ref;
    static TestImages.Layer brokenLayer;
    static byte[] armConfig;
    static String multiDigest;

    @BeforeAll
    static void seedAndOpen() throws Exception {
        Random random = new Random(10);
        layers = List.of(
                TestImages.layer(Map.of("bin/tool", text(random, 600_000), "etc/config", "mode=1\n",
                        "tmp/cache.bin", text(random, 200_000), "usr/share/doc/readme", "read me\n"), TestImages.Compression.GZIP),
                TestImages.layer(Map.of("etc/config", "mode=2\n", "tmp/.wh.cache.bin", "", "app/data.bin", text(random, 400_000)),
                        TestImages.Compression.GZIP),
                TestImages.layer(Map.of("app/run.sh", "#!/bin/sh\nexec /bin/tool \"$@\"\n"), TestImages.Compression.GZIP));
        List<String> diffIds = layers.stream().map(TestImages.Layer::diffId).toList();
        byte[] config = """
                {"architecture":"amd64","os":"linux","created":"2025-06-01T12:00:00Z","author":"dashboard test",
                 "config":{"Entrypoint":["/app/run.sh"],"Cmd":["--serve"],"Env":["PATH=/usr/bin:/bin","APP_MODE=demo"],
                  "Labels":{"org.opencontainers.image.title":"dash demo"},"ExposedPorts":{"8080/tcp":{}},"User":"app","WorkingDir":"/app"},
                 "history":[{"created":"2025-06-01T12:00:00Z","created_by":"ADD tool /bin/tool"},
                  {"created":"2025-06-01T12:00:00Z","created_by":"RUN update-config && rm /tmp/cache.bin"},
                  {"created":"2025-06-01T12:00:00Z","created_by":"COPY run.sh /app/"}],
                 "rootfs":{"type":"layers","diff_ids":["%s"]}}""".formatted(String.join("\",\"", diffIds)).getBytes(StandardCharsets.UTF_8);
        imageId = RegistrySeeder.sha256(config);
        RegistrySeeder seeder = new RegistrySeeder(registry.url());
        byte[] manifest = TestImages.manifest(seeder, "dash/app", config, layers, false);
        seeder.manifest("dash/app", "1", TestImages.DOCKER_MANIFEST, manifest);
        ref = slow.host() + "/dash/app:1";
        // a second image on the same base and middle layers: the details say who shares which layer
        TestImages.Layer other = TestImages.layer(Map.of("app/run.sh", "#!/bin/sh\nexec /bin/tool --other \"$@\"\n"), TestImages.Compression.GZIP);
        byte[] otherConfig = new String(config, StandardCharsets.UTF_8).replace(layers.get(2).diffId(), other.diffId())
                .replace("\"--serve\"", "\"--other\"").getBytes(StandardCharsets.UTF_8);
        seeder.manifest("dash/app", "2", TestImages.DOCKER_MANIFEST,
                TestImages.manifest(seeder, "dash/app", otherConfig, List.of(layers.get(0), layers.get(1), other), false));
        // an image whose layer the proxy damages: the pull fails inside its 200 stream, after "Pulling fs layer"
        brokenLayer = TestImages.layer(Map.of("broken/file", text(random, 30_000)), TestImages.Compression.GZIP);
        seeder.manifest("dash/broken", "1", TestImages.DOCKER_MANIFEST, TestImages.manifest(seeder, "dash/broken",
                TestImages.config(List.of(brokenLayer), "linux", "amd64", null, "broken"), List.of(brokenLayer), false));
        // a two-platform index, for the registries view
        TestImages.Layer multiBase = TestImages.layer(Map.of("etc/os", "multi\n"), TestImages.Compression.GZIP);
        byte[] amdCfg = TestImages.config(List.of(multiBase), "linux", "amd64", null, "amd64");
        armConfig = TestImages.config(List.of(multiBase), "linux", "arm64", "v8", "arm64");
        byte[] amd = TestImages.manifest(seeder, "dash/multi", amdCfg, List.of(multiBase), false);
        byte[] arm = TestImages.manifest(seeder, "dash/multi", armConfig, List.of(multiBase), false);
        seeder.manifest("dash/multi", RegistrySeeder.sha256(amd), TestImages.DOCKER_MANIFEST, amd);
        seeder.manifest("dash/multi", RegistrySeeder.sha256(arm), TestImages.DOCKER_MANIFEST, arm);
        multiDigest = seeder.manifest("dash/multi", "1", TestImages.DOCKER_LIST, TestImages.index(List.of(
                new TestImages.Entry(amd, TestImages.DOCKER_MANIFEST, "linux", "amd64", null),
                new TestImages.Entry(arm, TestImages.DOCKER_MANIFEST, "linux", "arm64", "v8")), false));
        // and a few unrelated ones, so that the table and the disk view have something to sort
        for (String name : List.of("demo/tools:1.4", "demo/web:2.0", "example.com/team/base:2025")) {
            Path tar = Files.createDirectories(dir.resolve("imports")).resolve(name.replaceAll("[^a-z0-9.]", "_") + ".tar");
            Files.write(tar, Tars.of(Map.of("etc/" + name.replaceAll("[^a-z0-9.]", "_"), text(random, 50_000 + name.length() * 1000))));
            docker.run("import", tar.toString(), name).ok();
        }

        downloads = Files.createDirectories(dir.resolve("downloads"));
        browser = Browser.headless(dir, downloads);
        driver = browser.driver();
        driver.manage().window().setSize(new Dimension(1400, 1000));
        driver.get(imaged.tcpUrl() + "/");
        waitFor("the page to start", d -> "true".equals(d.findElement(By.tagName("html")).getAttribute("data-ready")));
        waitFor("the image count", d -> !text("#image-count").isEmpty());
    }

    @AfterAll
    static void close() {
        if (browser != null) browser.close();
    }

    private static String text(Random random, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) s.append((char) ('a' + random.nextInt(26)));
        return s.toString();
    }

    @Test
    @Order(1)
    void aPullThroughTheFormShowsEachLayerLiveAndTheImageAppearsWithDockersSize() throws Exception {
        assertThat(driver.findElements(By.cssSelector("tr[data-image-id='" + imageId + "']"))).isEmpty();
        // the base layer comes 2.5 s late, so that the page shows the layers while the pull runs
        String base = RegistrySeeder.sha256(layers.get(0).blob());
        slow.add(FaultProxy.path("/blobs/" + base), FaultProxy.Kind.DELAY, 0, 2500, -1);

        WebElement form = driver.findElement(By.cssSelector("form#pull"));
        form.findElement(By.name("reference")).sendKeys(ref);
        form.findElement(By.cssSelector("button[type=submit]")).click();

        Set<String> layersWhileRunning = new LinkedHashSet<>();
        Set<String> statusesWhileRunning = new LinkedHashSet<>();
        boolean shot = false;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!"done".equals(attr("#pull-progress", "data-state"))) {
            assertThat(attr("#pull-progress", "data-state")).as("pull state; page says: " + text("#notice")).isNotEqualTo("failed");
            assertThat(System.nanoTime()).as("the pull ends").isLessThan(deadline);
            if ("running".equals(attr("#pull-progress", "data-state"))) {
                for (WebElement l : driver.findElements(By.cssSelector("#pull-progress .layer-progress"))) {
                    layersWhileRunning.add(l.getAttribute("data-layer"));
                    statusesWhileRunning.add(l.getAttribute("data-status"));
                }
                if (!shot && layersWhileRunning.size() == 3) {
                    screenshot("pull-progress");
                    shot = true;
                }
            }
            Thread.sleep(50);
        }
        List<String> blobs = layers.stream().map(l -> RegistrySeeder.sha256(l.blob()).substring(7, 19)).toList();
        assertThat(layersWhileRunning).as("one bar per layer, seen while the pull ran").containsExactlyInAnyOrderElementsOf(blobs);
        assertThat(statusesWhileRunning).as("the held-back layer was still on its way").containsAnyOf("Pulling fs layer", "Waiting", "Downloading");
        assertThat(driver.findElements(By.cssSelector("#pull-progress .layer-progress[data-status='Pull complete']"))).hasSize(3);
        assertThat(text("#notice")).contains("Downloaded newer image for " + ref);

        WebElement row = waitFor("the pulled image's row", d -> first("tr[data-image-id='" + imageId + "'][data-reference='" + ref + "']"));
        String cliSize = cli("images", "--format", "{{.Repository}}:{{.Tag}}\t{{.Size}}").get(ref);
        assertThat(cliSize).as("docker images lists it").isNotNull().matches("[0-9.]+[kMG]?B");
        assertThat(row.findElement(By.cssSelector("td.size")).getText()).isEqualTo(cliSize);
        assertThat(row.getText()).contains(imageId.substring(7, 19));
        assertThat(driver.findElement(By.id("images-more")).isDisplayed()).as("all rows are drawn: no 'Show more'").isFalse();
    }

    @Test
    @Order(2)
    void theDetailsShowConfigHistoryLayersAndTheLayerExplorerListsWhatEachLayerDoes() throws IOException {
        String sibling = registry.host() + "/dash/app:2";
        docker.run("pull", sibling).ok();
        click("#refresh-images");
        waitFor("the second image's row", d -> first("tr[data-reference='" + sibling + "']"));
        selectRow(ref);
        screenshot("images");
        click("button[data-action=details]");
        waitFor("the layers' file counts", d -> d.findElements(By.cssSelector("#layers-table tbody tr")).size() == 3
                && !d.findElement(By.cssSelector("#layers-table tbody tr td:nth-child(4)")).getText().isEmpty());
        String details = text("#details-body");
        assertThat(details).contains("/app/run.sh", "--serve", "APP_MODE=demo", "org.opencontainers.image.title=dash demo", "8080/tcp",
                "RUN update-config && rm /tmp/cache.bin", imageId);
        assertThat(text("#details-title")).isEqualTo(ref);
        // dive's wasted space: etc/config twice (7 + 7 bytes) and tmp/cache.bin with its whiteout (200000 + 0)
        assertThat(text("#layers-summary")).contains("200kB");
        waitFor("who shares the layers", d -> !d.findElement(By.cssSelector("#layers-table tbody tr td.shared-with")).getText().equals("…"));
        List<String> sharedWith = driver.findElements(By.cssSelector("#layers-table tbody td.shared-with")).stream().map(WebElement::getText).toList();
        assertThat(sharedWith).containsExactly(sibling, sibling, "no other image");

        click("button.files[data-index='1']");
        waitFor("layer 1's files", d -> d.findElements(By.cssSelector("#files-table tbody tr")).size() == 3);
        assertThat(changeOf("app/data.bin")).isEqualTo("added");
        assertThat(changeOf("etc/config")).isEqualTo("changed");
        assertThat(changeOf("tmp/cache.bin")).isEqualTo("deleted");
        assertThat(text("#explorer-summary")).contains("1 added, 1 changed, 1 deleted", "hiding 200kB");
        screenshot("details-layer-explorer");

        click("button.files[data-index='0']");
        waitFor("layer 0's files", d -> d.findElements(By.cssSelector("#files-table tbody tr")).size() == 4);
        assertThat(first("#files-table tr[data-path='tmp/cache.bin']").getAttribute("class")).contains("superseded");
        assertThat(first("#files-table tr[data-path='bin/tool']").getAttribute("class")).doesNotContain("superseded");
    }

    @Test
    @Order(3)
    void tagPushAndRemoveWithDockersConflictMessage() throws Exception {
        String pushed = registry.host() + "/dash/pushed:7";
        openImages();
        selectRow(ref);
        click("button[data-action=tag]");
        driver.findElement(By.cssSelector("#dialog input[name=repo]")).sendKeys(registry.host() + "/dash/pushed");
        driver.findElement(By.cssSelector("#dialog input[name=tag]")).sendKeys("7");
        click("#dialog-ok");
        waitFor("the new tag's row", d -> first("tr[data-image-id='" + imageId + "'][data-reference='" + pushed + "']"));
        assertThat(cli("images", "--format", "{{.Repository}}:{{.Tag}}\t{{.ID}}")).containsEntry(pushed, imageId.substring(7, 19));

        selectRow(pushed);
        click("button[data-action=push]");
        click("#dialog-ok"); // no credentials: the registry needs none
        waitFor("the push to end", d -> attr("#action-progress", "data-done") != null);
        assertThat(attr("#action-progress", "data-done")).as(text("#notice")).isEqualTo("pushed");
        assertThat(driver.findElements(By.cssSelector("#action-progress .layer-progress"))).hasSize(3);
        RegistryHttp.Manifest onRegistry = new RegistryHttp(registry.url()).manifest("dash/pushed", "7");
        assertThat(onRegistry.status()).isEqualTo(200);
        assertThat(onRegistry.text()).contains(RegistrySeeder.sha256(layers.get(2).blob()));
        assertThat(text("#notice")).contains("Pushed " + pushed + " (" + onRegistry.digest() + ")");

        // by ID, an image with two references needs force: the dialog shows Docker's words and stays open
        selectRow(pushed);
        click("button[data-action=remove]");
        new org.openqa.selenium.support.ui.Select(driver.findElement(By.cssSelector("#dialog select[name=what]"))).selectByValue("image");
        click("#dialog-ok");
        waitFor("the conflict message", d -> !text("#dialog-error").isEmpty());
        assertThat(text("#dialog-error")).startsWith("Conflict: ").contains("unable to delete " + imageId.substring(7, 19))
                .contains("must be forced");
        new org.openqa.selenium.support.ui.Select(driver.findElement(By.cssSelector("#dialog select[name=what]"))).selectByValue("reference");
        click("#dialog-ok");
        waitFor("the row to go", d -> d.findElements(By.cssSelector("tr[data-reference='" + pushed + "']")).isEmpty());
        assertThat(cli("images", "--format", "{{.Repository}}:{{.Tag}}\t{{.ID}}")).doesNotContainKey(pushed).containsKey(ref);
        // the tag and the digest reference the push recorded for that repository go together, as with dockerd
        assertThat(text("#notice")).contains("Removed " + pushed + ": 2 references untagged, 0 images deleted.");
    }

    @Test
    @Order(4)
    void pruneRemovesTheDanglingImages() throws Exception {
        Path rootfs = dir.resolve("dangling.tar");
        Files.write(rootfs, Tars.of(Map.of("dangling.txt", "nobody names me\n")));
        String dangling = docker.run("import", rootfs.toString()).ok().stdout().trim();
        assertThat(dangling).startsWith("sha256:");
        openImages();
        click("#refresh-images");
        waitFor("the dangling row", d -> first("tr[data-image-id='" + dangling + "']"));
        click("#prune-dangling");
        click("#dialog-ok");
        waitFor("the dangling row to go", d -> d.findElements(By.cssSelector("tr[data-image-id='" + dangling + "']")).isEmpty());
        assertThat(text("#notice")).startsWith("Pruned 1 image, reclaimed ");
        assertThat(docker.run("images", "-a", "-q", "--no-trunc").ok().stdout()).doesNotContain(dangling).contains(imageId);
    }

    @Test
    @Order(5)
    void saveDownloadsTheArchiveAndLoadUploadsIt() throws Exception {
        openImages();
        selectRow(ref);
        click("button[data-action=save]");
        waitFor("the save to end", d -> "done".equals(attr("#action-progress", "data-state")));
        long bytes = Long.parseLong(attr("#action-progress", "data-bytes"));
        Path saved = waitFor("the download", d -> {
            try (Stream<Path> files = Files.list(downloads)) {
                return files.filter(p -> p.toString().endsWith(".tar")).filter(p -> size(p) == bytes).findFirst().orElse(null);
            } catch (IOException e) {
                return null;
            }
        });
        Map<String, byte[]> archive = entries(saved);
        assertThat(archive).containsKey("manifest.json");
        assertThat(archive.keySet()).anyMatch(name -> name.contains(imageId.substring(7)));
        assertThat(new String(archive.get("manifest.json"), StandardCharsets.UTF_8)).contains(ref);

        docker.run("rmi", ref).ok();
        assertThat(docker.run("images", "-q", "--no-trunc").ok().stdout()).doesNotContain(imageId);
        click("header nav a[data-view=archives]");
        driver.findElement(By.cssSelector("#load-form input[type=file]")).sendKeys(saved.toString());
        click("#load-form button[type=submit]");
        waitFor("the load to end", d -> "done".equals(attr("#load-progress", "data-state")));
        assertThat(text("#notice")).contains("Loaded image: " + ref);
        assertThat(cli("images", "--format", "{{.Repository}}:{{.Tag}}\t{{.ID}}")).containsEntry(ref, imageId.substring(7, 19));
    }

    @Test
    @Order(6)
    void theDiskViewAndTheEventsView() throws Exception {
        click("header nav a[data-view=disk]");
        waitFor("the disk cards", d -> first("#disk-cards"));
        Map<String, String> df = cli("system", "df", "--format", "{{.Type}}\t{{.TotalCount}} {{.Size}}");
        String[] images = df.get("Images").split(" ");
        assertThat(text("#disk-cards")).contains("Images\n" + images[0], "Stored (all layers once)\n" + images[1]);
        assertThat(driver.findElements(By.cssSelector("#view-disk svg rect")).size()).isGreaterThanOrEqualTo(4);

        // layers and blobs by size (GET /imaged/disk), checked against the data root and the images' RootFS
        waitFor("the layer table", d -> first("#disk-layers tbody tr"));
        Path blobDir = imaged.dataRoot().resolve("blobs/sha256");
        List<Path> blobFiles;
        try (Stream<Path> files = Files.list(blobDir)) {
            blobFiles = files.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}")).toList();
        }
        List<WebElement> blobRows = driver.findElements(By.cssSelector("#disk-blobs tbody tr"));
        assertThat(blobRows).hasSize(Math.min(15, blobFiles.size()));
        List<Long> shownSizes = new ArrayList<>();
        for (WebElement r : blobRows) {
            String digest = r.getAttribute("data-digest");
            long shown = Long.parseLong(r.getAttribute("data-size"));
            assertThat(shown).as(digest).isEqualTo(Files.size(blobDir.resolve(digest.substring(7))));
            shownSizes.add(shown);
        }
        assertThat(shownSizes).as("the largest blobs, largest first")
                .isEqualTo(blobFiles.stream().map(DashboardIT::size).sorted(java.util.Comparator.reverseOrder()).limit(blobRows.size()).toList());
        assertThat(first("#disk-blobs tr[data-digest='" + RegistrySeeder.sha256(layers.get(0).blob()) + "']").getAttribute("data-kind"))
                .isEqualTo("layer");
        assertThat(text("#disk-cards")).contains(blobFiles.size() + " blobs");
        List<String> ids = List.copyOf(new LinkedHashSet<>(docker.run("images", "-a", "-q", "--no-trunc").ok().lines()));
        List<String> args = new ArrayList<>(List.of("image", "inspect", "--format", "{{index .RootFS.Layers 0}}"));
        args.addAll(ids);
        long usingBase = docker.run(args.toArray(String[]::new)).ok().lines().stream().filter(layers.get(0).diffId()::equals).count();
        assertThat(usingBase).isGreaterThanOrEqualTo(2);
        WebElement baseRow = first("#disk-layers tr[data-chain-id='" + layers.get(0).diffId() + "']");
        assertThat(baseRow).as("the base layer is among the largest").isNotNull();
        assertThat(baseRow.getAttribute("data-images")).isEqualTo(String.valueOf(usingBase));
        assertThat(Long.parseLong(baseRow.getAttribute("data-size"))).isGreaterThanOrEqualTo(800_000);
        assertThat(driver.findElements(By.cssSelector("#disk-layer-chart rect"))).hasSize(driver.findElements(By.cssSelector("#disk-layers tbody tr")).size());
        screenshot("disk");

        click("header nav a[data-view=events]");
        waitFor("the events stream to open", d -> "Watching…".equals(text("#events-state")));
        docker.run("tag", ref, "dash/events:1").ok();
        waitFor("the tag event", d -> text("#events-table tbody").contains("tag"));
        assertThat(text("#events-table tbody")).contains("dash/events:1");
        screenshot("events");
    }

    @Test
    @Order(7)
    void aFailedPullIsShownInWords() {
        openImages();
        WebElement form = driver.findElement(By.cssSelector("form#pull"));
        form.findElement(By.name("reference")).clear();
        form.findElement(By.name("reference")).sendKeys(registry.host() + "/dash/missing:1");
        form.findElement(By.cssSelector("button[type=submit]")).click();
        waitFor("the pull to fail", d -> "failed".equals(attr("#pull-progress", "data-state")));
        assertThat(text("#notice")).startsWith("The pull of " + registry.host() + "/dash/missing:1 failed. Not found: ")
                .contains("dash/missing");
    }

    @Test
    @Order(8)
    void aPullThatFailsInsideItsStreamIsShownInWords() {
        String blob = RegistrySeeder.sha256(brokenLayer.blob());
        slow.add(FaultProxy.path("/blobs/" + blob), FaultProxy.Kind.CORRUPT, 0, 1000, -1);
        String broken = slow.host() + "/dash/broken:1";
        openImages();
        WebElement form = driver.findElement(By.cssSelector("form#pull"));
        form.findElement(By.name("reference")).clear();
        form.findElement(By.name("reference")).sendKeys(broken);
        form.findElement(By.cssSelector("button[type=submit]")).click();
        waitFor("the pull to fail", d -> "failed".equals(attr("#pull-progress", "data-state")));
        assertThat(attr("#pull-progress", "data-error")).as("the failure came after the 200").isEqualTo("stream");
        assertThat(attr("#pull-progress .layer-progress[data-layer='" + blob.substring(7, 19) + "']", "data-status"))
                .as("the layer had started").isNotNull();
        assertThat(text("#notice")).startsWith("The pull of " + broken + " failed. The registry sent a layer whose bytes do not match its digest")
                .contains("imaged said: filesystem layer verification failed for digest " + blob);
        assertThat(text("#pull-progress .stream-log .error")).contains("verification failed");
        assertThat(driver.findElements(By.cssSelector("tr[data-reference='" + broken + "']"))).isEmpty();
    }

    @Test
    @Order(9)
    void theRegistriesViewSearchesShowsDigestAndPlatformsAndPulls() {
        String repo = registry.host() + "/dash/multi";
        click("header nav a[data-view=registries]");
        WebElement term = waitFor("the search form", d -> first("#search-form input[name=term]"));
        term.clear();
        term.sendKeys(registry.host() + "/dash/mu");
        click("#search-form button[type=submit]");
        waitFor("the search results", d -> first("#search-table"));
        List<String> names = driver.findElements(By.cssSelector("#search-table tbody td:first-child")).stream().map(WebElement::getText).toList();
        assertThat(names).containsExactly(repo);

        // the repository's tags, then one tag's digest and platforms
        click("#search-table button[data-inspect='" + repo + "']");
        waitFor("the tags", d -> first("#tags-table"));
        assertThat(driver.findElements(By.cssSelector("#tags-table tbody tr")).stream().map(r -> r.getAttribute("data-tag")).toList())
                .containsExactly("1");
        click("#tags-table button[data-tag='1']");
        waitFor("the platforms", d -> d.findElements(By.cssSelector("#platforms-table tbody tr")).size() == 2);
        assertThat(text("#inspect-result")).contains(multiDigest, "application/vnd.docker.distribution.manifest.list.v2+json");
        List<String> platforms = driver.findElements(By.cssSelector("#platforms-table tbody td:first-child")).stream().map(WebElement::getText).toList();
        assertThat(platforms).containsExactly("linux/amd64", "linux/arm64/v8");

        click("#platforms-table button[data-platform='linux/arm64/v8']");
        waitFor("the pull to end", d -> "done".equals(attr("#pull-progress", "data-state")));
        String armId = RegistrySeeder.sha256(armConfig);
        waitFor("the pulled platform's row", d -> first("tr[data-image-id='" + armId + "'][data-reference='" + repo + ":1']"));
        assertThat(cli("images", "--format", "{{.Repository}}:{{.Tag}}\t{{.ID}}")).containsEntry(repo + ":1", armId.substring(7, 19));
    }

    @Test
    @Order(10)
    void theImagesTableAndThePullFormWorkFromTheKeyboard() {
        openImages();
        waitFor("the rows", d -> d.findElements(By.cssSelector("#images-table tbody tr")).size() >= 3);
        // Tab from the filter reaches the first row
        driver.findElement(By.id("image-filter")).click();
        for (int i = 0; i < 40 && !"TR".equals(active().getTagName().toUpperCase()); i++) active().sendKeys(org.openqa.selenium.Keys.TAB);
        List<WebElement> rows = driver.findElements(By.cssSelector("#images-table tbody tr"));
        assertThat(active().getAttribute("data-key")).as("Tab reaches the table's first row").isEqualTo(rows.get(0).getAttribute("data-key"));
        active().sendKeys(org.openqa.selenium.Keys.ARROW_DOWN);
        assertThat(active().getAttribute("data-key")).isEqualTo(rows.get(1).getAttribute("data-key"));
        active().sendKeys(org.openqa.selenium.Keys.ARROW_UP);
        assertThat(active().getAttribute("data-key")).isEqualTo(rows.get(0).getAttribute("data-key"));
        for (int i = 0; i < rows.size() && !ref.equals(active().getAttribute("data-reference")); i++) {
            active().sendKeys(org.openqa.selenium.Keys.ARROW_DOWN);
        }
        assertThat(active().getAttribute("data-reference")).as("arrow keys reach every row").isEqualTo(ref);
        active().sendKeys(org.openqa.selenium.Keys.ENTER);
        waitFor("the selection", d -> "true".equals(first("tr[data-reference='" + ref + "']").getAttribute("aria-selected")));
        active().sendKeys(org.openqa.selenium.Keys.ENTER);
        waitFor("the details", d -> ref.equals(text("#details-title")));
        assertThat(driver.getCurrentUrl()).contains("#image/sha256%3A" + imageId.substring(7));

        // the pull form submits with Enter
        openImages();
        String again = registry.host() + "/dash/app:2";
        WebElement reference = driver.findElement(By.cssSelector("form#pull input[name=reference]"));
        reference.clear();
        reference.sendKeys(again, org.openqa.selenium.Keys.ENTER);
        waitFor("the pull to end", d -> "done".equals(attr("#pull-progress", "data-state")) && text("#notice").contains(again));
        assertThat(text("#notice")).contains("Image is up to date for " + again);
    }

    private static WebElement active() {
        return driver.switchTo().activeElement();
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    private static void openImages() {
        click("header nav a[data-view=images]");
        waitFor("the images view", d -> d.findElement(By.id("view-images")).isDisplayed());
    }

    private static void selectRow(String reference) {
        // found and clicked in one step: the table may be drawn again (an event, a refresh) between the two
        waitFor("a click on the row of " + reference, d -> {
            WebElement row = first("tr[data-reference='" + reference + "']");
            if (row == null) return false;
            row.click();
            return true;
        });
        waitFor("the selection", d -> "true".equals(first("tr[data-reference='" + reference + "']").getAttribute("aria-selected")));
    }

    private static String changeOf(String path) {
        return first("#files-table tr[data-path='" + path + "'] td:first-child").getText();
    }

    /** `docker images --format '<first>\t<second>'` as a map, driven over the socket. */
    private static Map<String, String> cli(String... args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : docker.run(args).ok().lines()) {
            String[] parts = line.split("\t", 2);
            if (parts.length == 2) out.put(parts[0], parts[1]);
        }
        return out;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    private static Map<String, byte[]> entries(Path tar) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(tar); TarArchiveInputStream t = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = t.getNextEntry(); e != null; e = t.getNextEntry()) {
                if (e.isFile()) out.put(e.getName(), t.readAllBytes());
            }
        }
        return out;
    }

    private static void click(String css) {
        // clicked inside the wait: an element drawn again between finding and clicking it is found again
        waitFor(css + " to be clickable", d -> {
            WebElement e = first(css);
            if (e == null || !e.isDisplayed() || !e.isEnabled()) return false;
            e.click();
            return true;
        });
    }

    private static WebElement first(String css) {
        List<WebElement> found = driver.findElements(By.cssSelector(css));
        return found.isEmpty() ? null : found.get(0);
    }

    private static String text(String css) {
        WebElement e = first(css);
        return e == null ? "" : e.getText();
    }

    private static String attr(String css, String name) {
        WebElement e = first(css);
        return e == null ? null : e.getAttribute(name);
    }

    private static <T> T waitFor(String what, Function<ChromeDriver, T> condition) {
        return new FluentWait<>(driver).withTimeout(WAIT).pollingEvery(Duration.ofMillis(100))
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .withMessage(() -> "waiting for " + what + "; the page says: " + text("#notice") + "; " + pageState())
                .until(d -> {
                    T v = condition.apply(d);
                    return v instanceof Boolean b && !b ? null : v;
                });
    }

    /** Where the page is, for a failure's message. */
    private static String pageState() {
        try {
            return String.valueOf(driver.executeScript("return 'hash=' + location.hash + ' selection=' + "
                    + "document.querySelector('#selection-bar').outerHTML.replace(/\\s+/g, ' ') + ' dialog open=' + document.querySelector('#dialog').open"));
        } catch (RuntimeException e) {
            return "page state unknown: " + e.getMessage();
        }
    }

    /** Only with -Ddashboard.screenshots=true: the pictures in docs/screenshots, for the README. */
    private static void screenshot(String name) throws IOException {
        if (!SCREENSHOTS) return;
        Files.createDirectories(SCREENSHOT_DIR);
        Files.write(SCREENSHOT_DIR.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    }
}
