package io.imaged.testsupport;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Debian's headless Chromium driven by Debian's chromedriver, for tests of what a web page can do with the API.
 * Both programs are named explicitly so that Selenium Manager never looks for (or downloads) a browser or driver.
 * Runs as root in CI, hence {@code --no-sandbox}; a fresh profile per browser, under the test's directory.
 */
public final class Browser implements AutoCloseable {
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private final ChromeDriver driver;

    private Browser(ChromeDriver driver) {
        this.driver = driver;
    }

    /** A headless browser with its profile under {@code dir}; fails in CI and skips locally without chromium. */
    public static Browser headless(Path dir) throws IOException {
        return headless(dir, null);
    }

    /** As {@link #headless(Path)}, saving downloads into {@code downloads} without asking (null: the default). */
    public static Browser headless(Path dir, Path downloads) throws IOException {
        Tools.require("chromium", "chromedriver");
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--metrics-recording-only", "--user-data-dir=" + profile);
        if (downloads != null) {
            options.setExperimentalOption("prefs", java.util.Map.of("download.default_directory", downloads.toString(),
                    "download.prompt_for_download", false, "safebrowsing.enabled", false));
        }
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(dir.resolve("chromedriver.log").toFile())
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(180));
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        if (downloads != null) {
            // headless Chromium also wants to be told through DevTools where downloads go
            driver.executeCdpCommand("Browser.setDownloadBehavior", java.util.Map.of("behavior", "allow",
                    "downloadPath", downloads.toString()));
        }
        return new Browser(driver);
    }

    /** The WebDriver, for tests that click, type and take screenshots. */
    public ChromeDriver driver() {
        return driver;
    }

    public void open(String url) {
        driver.get(url);
    }

    /**
     * Runs {@code expression}, a JavaScript expression that yields a promise, in the page and returns what the
     * promise resolves to (JSON values become Maps, Lists, Strings, Longs, Booleans). A rejection is returned as
     * {@code {"error": "<message>"}} rather than thrown, so that a test can assert on it.
     */
    public Object await(String expression, Object... args) {
        String script = "const done = arguments[arguments.length - 1];"
                + "Promise.resolve().then(() => " + expression + ")"
                + ".then(v => done(v === undefined ? null : v), e => done({error: String(e && e.message || e)}));";
        return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
    }

    /** The text of the element with this id. */
    public String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    @Override
    public void close() {
        driver.quit();
    }
}
