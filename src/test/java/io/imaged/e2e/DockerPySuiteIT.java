package io.imaged.e2e;

import io.imaged.testsupport.ImagedJvm;
import io.imaged.testsupport.Tools;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A peer client's own test suite: the image parts of docker-py's integration tests, run by
 * {@code scripts/docker-py-suite.sh} against the packaged imaged, with a real loopback docker-registry standing in for
 * Docker Hub (mirror and upstream both point at it). Container tests are deselected with reasons in
 * {@code scripts/docker-py-deselect.txt}; everything else must pass, at docker-py's default API version and pinned
 * to the oldest one imaged speaks (which takes docker-py's legacy code paths).
 *
 * Beside it, imaged's own docker-py tests (our code, in {@code src/test/python/imaged-py}) run the same way; they need no
 * outside sources, so CI runs them wherever python3 has docker-py and pytest ({@code .ci/run} installs them).
 *
 * <p>docker-py's test sources (tag 7.1.0, Apache-2.0) are kept in {@code src/test/python/docker-py} (or named by
 * {@code -Ddocker-py.tests=} / {@code DOCKER_PY_TESTS}). Without python3 with the {@code docker} and {@code pytest}
 * modules, or without the sources, the tests fail in CI and are skipped elsewhere, with the reason.
 */
@Order(1) // one of the longest: started first
class DockerPySuiteIT {
    /** Tests that must pass at each API version: today 31 (default) and 29 (1.24, where two need newer APIs). */
    private static final int MIN_PASSED = 25;
    /** imaged's own docker-py module: every one of its tests must pass. */
    private static final int OWN_TESTS = 11;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "API {0}")
    @ValueSource(strings = {"default", "1.24"})
    void dockerPyImageTestsPass(String apiVersion) throws Exception {
        assumePython();
        Path tests = testSources();
        Tools.requireThat(Files.isDirectory(tests.resolve("tests/integration")),
                "no docker-py test sources at " + tests.toAbsolutePath() + " (set -Ddocker-py.tests or DOCKER_PY_TESTS)");
        runSuite(tests, null, apiVersion, MIN_PASSED);
    }

    /**
     * imaged's own docker-py tests ({@code src/test/python/imaged-py}, written for imaged against docker-py's public
     * API): pull through the mirror, by platform, registry data, push and pull back, import/save/load, a broken
     * load, remove and prune, search, events — at the default API and at 1.24. Runs wherever python3 has docker-py.
     */
    @ParameterizedTest(name = "API {0}")
    @ValueSource(strings = {"default", "1.24"})
    void imagedsOwnDockerPyTestsPass(String apiVersion) throws Exception {
        assumePython();
        runSuite(Path.of("src/test/python/imaged-py"), "tests/integration/imaged_client_test.py", apiVersion, OWN_TESTS);
    }

    private static void assumePython() throws Exception {
        // the runner takes python3 from PATH or Debian's /usr/bin/python3, whichever has both modules
        Tools.requireThat(run(Path.of("."), "python3", "-c", "import docker, pytest") == 0
                        || run(Path.of("."), "/usr/bin/python3", "-c", "import docker, pytest") == 0,
                "python3 with the docker and pytest modules is needed (apt-get install python3-docker python3-pytest)");
    }

    private void runSuite(Path tests, String files, String apiVersion, int minPassed) throws Exception {
        Path junit = dir.resolve("junit.xml");
        Path log = dir.resolve("suite.log");
        ProcessBuilder pb = new ProcessBuilder("bash", "scripts/docker-py-suite.sh")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("DOCKER_PY_TESTS", tests.toAbsolutePath().toString());
        if (files != null) pb.environment().put("DOCKER_PY_FILES", files);
        pb.environment().put("IMAGED_JAR", ImagedJvm.jar().toString());
        pb.environment().put("JAVA", ImagedJvm.java());
        pb.environment().put("IMAGED_JAVA_OPTS", String.join(" ", ImagedJvm.jvmFlags()));
        pb.environment().put("JUNIT_XML", junit.toString());
        pb.environment().put("TMPDIR", dir.toString());
        pb.environment().remove("DOCKER_HOST");
        if (apiVersion.equals("default")) pb.environment().remove("DOCKER_TEST_API_VERSION");
        else pb.environment().put("DOCKER_TEST_API_VERSION", apiVersion);
        Process p = pb.start();
        if (!p.waitFor(8, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("docker-py suite did not finish:\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        assertThat(p.exitValue()).as(output).isZero();

        Element suite = (Element) DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(junit.toFile())
                .getElementsByTagName("testsuite").item(0);
        int tests1 = Integer.parseInt(suite.getAttribute("tests"));
        int failures = Integer.parseInt(suite.getAttribute("failures"));
        int errors = Integer.parseInt(suite.getAttribute("errors"));
        int skipped = Integer.parseInt(suite.getAttribute("skipped"));
        assertThat(failures + errors).as(output).isZero();
        assertThat(tests1 - skipped).as("passed tests\n" + output).isGreaterThanOrEqualTo(minPassed);
    }

    private static Path testSources() {
        String prop = System.getProperty("docker-py.tests");
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        String env = System.getenv("DOCKER_PY_TESTS");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of("src/test/python/docker-py");
    }

    private static int run(Path cwd, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(1, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
