package io.imaged.e2e;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Image;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.imaged.testsupport.Certs;
import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Fixtures;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedJvm;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.TestCerts;
import io.imaged.testsupport.TestImages;
import io.imaged.testsupport.Tools;
import io.imaged.testsupport.WorkDir;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.imaged.testsupport.TestImages.SMALL_IMAGE_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * imaged's TCP listener with TLS and client certificates, as dockerd's {@code --tlsverify}, driven by the real
 * clients users point at it: the docker CLI (flags, and DOCKER_TLS_VERIFY + DOCKER_CERT_PATH), docker-java,
 * docker-py and curl, against a throw-away CA made with openssl. Clients without a certificate, with one of another
 * CA, or speaking plain HTTP are refused, and the tag each of them asked for is not created. Startup: a non-loopback
 * listener needs {@code imaged.tls.verify} or an explicit {@code imaged.tcp-unauthenticated}. Every connection goes
 * to 127.0.0.1 (a listener on 0.0.0.0 is reached there too).
 */
@ImagedTest(tools = "curl")
@Order(1) // one of the longest: started first
class TlsListenerIT {
    @WorkDir
    static Path dir;
    @Certs
    static TestCerts certs;
    @Certs
    static TestCerts otherCa;
    @Registry
    static RegistryProcess registry;
    @Imaged(tls = true, args = {"--imaged.tls.cert=${certs.serverCert}", "--imaged.tls.key=${certs.serverKey}",
            "--imaged.tls.ca-cert=${certs.caCert}", "--imaged.tls.verify=true"})
    static ImagedProcess imaged;
    /** ca.pem, cert.pem, key.pem of a client of imaged's CA (SEC1 EC key). */
    static Path certPath;
    /** The same, with an RSA key in PKCS#1. */
    static Path rsaCertPath;
    /** Trusts imaged's CA, but the client certificate is from another CA. */
    static Path foreignClientPath;
    /** Over the unix socket: what is really in the store. */
    @Cli
    static DockerCli unix;
    static String tcp;

    @BeforeAll
    static void start() throws Exception {
        certs.client("rsaclient", TestCerts.KeyForm.PKCS1_RSA);
        certPath = certs.dockerCertPath("client", dir.resolve("certs-ec"));
        rsaCertPath = certs.dockerCertPath("rsaclient", dir.resolve("certs-rsa"));
        foreignClientPath = otherCa.dockerCertPath("client", dir.resolve("certs-foreign"));
        Files.copy(certs.caCert(), foreignClientPath.resolve("ca.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        TestImages.pushSmall(new RegistrySeeder(registry.url()), "tls/small", "1", "2");
        tcp = "tcp://127.0.0.1:" + imaged.port();
        unix.run("pull", registry.host() + "/tls/small:1").ok();
    }

    private static boolean tagged(String ref) {
        return unix.run("image", "inspect", "--format", "{{.Id}}", ref).exitCode() == 0;
    }

    @Test
    void dockerCliWithTlsFlagsListsPullsAndTags() {
        DockerCli docker = new DockerCli(tcp, dir.resolve("cli-flags"));
        String[] tls = {"--tlsverify", "--tlscacert", certPath.resolve("ca.pem").toString(),
                "--tlscert", certPath.resolve("cert.pem").toString(), "--tlskey", certPath.resolve("key.pem").toString(),
                "-H", tcp};
        assertThat(docker.run(concat(tls, "images", "--format", "{{.Repository}}:{{.Tag}}")).ok().lines())
                .contains(registry.host() + "/tls/small:1");
        DockerCli.Result pull = docker.run(concat(tls, "pull", registry.host() + "/tls/small:2")).ok();
        assertThat(pull.stdout()).contains("Status: Downloaded newer image for " + registry.host() + "/tls/small:2");
        docker.run(concat(tls, "tag", registry.host() + "/tls/small:2", "tls/cli:flags")).ok();
        assertThat(tagged("tls/cli:flags")).isTrue();
        assertThat(unix.run("image", "inspect", "--format", "{{.Id}}", registry.host() + "/tls/small:2").ok().stdout().trim())
                .isEqualTo(SMALL_IMAGE_ID);
        assertThat(docker.run(concat(tls, "info", "--format", "{{.DockerRootDir}}")).ok().stdout().trim())
                .isEqualTo(imaged.dataRoot().toString());
    }

    @Test
    void dockerCliWithDockerCertPathFromTheEnvironment() {
        DockerCli docker = new DockerCli(tcp, dir.resolve("cli-env"))
                .withEnv("DOCKER_TLS_VERIFY", "1").withEnv("DOCKER_CERT_PATH", rsaCertPath.toString());
        assertThat(docker.run("version", "--format", "{{.Server.APIVersion}}").ok().stdout().trim()).isEqualTo("1.50");
        docker.run("tag", SMALL_IMAGE_ID, "tls/cli:env").ok();
        assertThat(tagged("tls/cli:env")).isTrue();
    }

    @Test
    void dockerJavaWithTlsVerifyAndACertPath() throws Exception {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(tcp).withDockerTlsVerify(true).withDockerCertPath(rsaCertPath.toString()).build();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig()).connectionTimeout(Duration.ofSeconds(10))
                .responseTimeout(Duration.ofMinutes(1)).build();
        try (DockerClient client = DockerClientImpl.getInstance(config, http)) {
            List<Image> images = client.listImagesCmd().exec();
            assertThat(images).extracting(Image::getId).contains(SMALL_IMAGE_ID);
            client.tagImageCmd(SMALL_IMAGE_ID, "tls/java", "one").exec();
        }
        assertThat(tagged("tls/java:one")).isTrue();
    }

    @Test
    void dockerPyWithTlsConfig() throws Exception {
        String python = python3WithDocker();
        String script = """
                import sys, docker
                tls = docker.tls.TLSConfig(client_cert=(sys.argv[2], sys.argv[3]), ca_cert=sys.argv[4], verify=True)
                client = docker.DockerClient(base_url=sys.argv[1], tls=tls)
                print(client.version()["ApiVersion"])
                client.images.get(sys.argv[5]).tag("tls/py", "one")
                print(" ".join(sorted(t for i in client.images.list() for t in i.tags)))
                """;
        Path file = Files.writeString(dir.resolve("tls-client.py"), script);
        Result r = exec(List.of(python, file.toString(), tcp, rsaCertPath.resolve("cert.pem").toString(),
                rsaCertPath.resolve("key.pem").toString(), rsaCertPath.resolve("ca.pem").toString(), SMALL_IMAGE_ID));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("tls/py:one");
        assertThat(tagged("tls/py:one")).isTrue();
    }

    @Test
    void curlWithCaCertAndKey() throws Exception {
        Result list = curl("--cacert", certPath.resolve("ca.pem").toString(), "--cert", certPath.resolve("cert.pem").toString(),
                "--key", certPath.resolve("key.pem").toString(), "https://127.0.0.1:" + imaged.port() + "/v1.50/images/json");
        assertThat(list.exit()).as(list.output()).isZero();
        assertThat(list.output()).contains(SMALL_IMAGE_ID);
        Result tag = curl("-X", "POST", "-w", "%{http_code}", "--cacert", certPath.resolve("ca.pem").toString(),
                "--cert", certPath.resolve("cert.pem").toString(), "--key", certPath.resolve("key.pem").toString(),
                "https://localhost:" + imaged.port() + "/v1.50/images/" + SMALL_IMAGE_ID + "/tag?repo=tls/curl&tag=one");
        assertThat(tag.output()).isEqualTo("201");
        assertThat(tagged("tls/curl:one")).isTrue();
    }

    @Test
    void clientsWithoutAValidCertificateOrWithoutTlsAreRefusedAndNothingTheySentIsDone() throws Exception {
        String url = "https://127.0.0.1:" + imaged.port() + "/v1.50/images/" + SMALL_IMAGE_ID + "/tag?tag=1&repo=";
        String ca = certs.caCert().toString();

        Result noCert = curl("-X", "POST", "--cacert", ca, url + "refused/curl-nocert");
        assertThat(noCert.exit()).as(noCert.output()).isNotZero();
        Result foreign = curl("-X", "POST", "--cacert", ca, "--cert", foreignClientPath.resolve("cert.pem").toString(),
                "--key", foreignClientPath.resolve("key.pem").toString(), url + "refused/curl-foreign");
        assertThat(foreign.exit()).as(foreign.output()).isNotZero();
        // plain HTTP to the TLS port: Tomcat answers 400 "requires TLS" without reading the request
        Result plain = curl("-X", "POST", "-w", "\n%{http_code}", "http://127.0.0.1:" + imaged.port() + "/v1.50/images/"
                + SMALL_IMAGE_ID + "/tag?tag=1&repo=refused/curl-plain");
        assertThat(plain.output()).contains("requires TLS").endsWith("400");

        DockerCli foreignCli = new DockerCli(tcp, dir.resolve("cli-foreign"))
                .withEnv("DOCKER_TLS_VERIFY", "1").withEnv("DOCKER_CERT_PATH", foreignClientPath.toString());
        DockerCli.Result cliForeign = foreignCli.run("tag", SMALL_IMAGE_ID, "refused/cli-foreign:1");
        assertThat(cliForeign.exitCode()).isNotZero();
        assertThat(cliForeign.stderr()).contains("tls:");
        DockerCli.Result cliPlain = new DockerCli(tcp, dir.resolve("cli-plain")).run("tag", SMALL_IMAGE_ID, "refused/cli-plain:1");
        assertThat(cliPlain.exitCode()).isNotZero();

        HttpRequest post = HttpRequest.newBuilder(URI.create(url + "refused/jdk-nocert"))
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        assertThatThrownBy(() -> certs.httpClient(null).send(post, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);

        for (String ref : List.of("refused/curl-nocert:1", "refused/curl-foreign:1", "refused/curl-plain:1",
                "refused/cli-foreign:1", "refused/cli-plain:1", "refused/jdk-nocert:1")) {
            assertThat(tagged(ref)).as(ref).isFalse();
        }
        assertThat(unix.run("images", "--format", "{{.Repository}}").ok().stdout()).doesNotContain("refused");
        // the same client with a certificate of imaged's CA is served: the refusals were about the certificate
        assertThat(curl("-X", "POST", "-w", "%{http_code}", "--cacert", ca, "--cert", certPath.resolve("cert.pem").toString(),
                "--key", certPath.resolve("key.pem").toString(), url + "tls/curl-ok").output()).isEqualTo("201");
    }

    /**
     * An EC (SEC1) server key, all settings as IMAGED_TLS_* environment variables, on 0.0.0.0: TLS with verify
     * makes a non-loopback listener acceptable, without a warning.
     */
    @Test
    void ecServerKeyFromEnvironmentVariablesOnAllInterfaces(Fixtures fixtures) throws Exception {
        certs.server("ecserver", TestCerts.KeyForm.SEC1_EC);
        ImagedProcess ec = fixtures.imaged("imaged-ec", b -> b.tls().tcpHost("0.0.0.0")
                .env("IMAGED_TLS_CERT", certs.clientCert("ecserver").toString())
                .env("IMAGED_TLS_KEY", certs.clientKey("ecserver").toString())
                .env("IMAGED_TLS_CA_CERT", certs.caCert().toString())
                .env("IMAGED_TLS_VERIFY", "true"));
        DockerCli docker = new DockerCli("tcp://127.0.0.1:" + ec.port(), dir.resolve("cli-ec"))
                .withEnv("DOCKER_TLS_VERIFY", "1").withEnv("DOCKER_CERT_PATH", certPath.toString());
        assertThat(docker.run("version", "--format", "{{.Server.APIVersion}}").ok().stdout().trim()).isEqualTo("1.50");
        try (SSLSocket s = (SSLSocket) certs.sslContext("client").getSocketFactory().createSocket("127.0.0.1", ec.port())) {
            s.startHandshake();
            X509Certificate served = (X509Certificate) s.getSession().getPeerCertificates()[0];
            assertThat(served.getPublicKey().getAlgorithm()).isEqualTo("EC");
            assertThat(served.getSubjectX500Principal().getName()).isEqualTo("CN=imaged test server ecserver");
        }
        assertThat(new DockerCli("tcp://127.0.0.1:" + ec.port(), dir.resolve("cli-ec-plain")).run("version").exitCode()).isNotZero();
        assertThat(ec.logText()).contains("client certificates required").doesNotContain("Binding to IP address");
    }

    @Test
    void aNonLoopbackListenerWithoutClientCertificatesStopsStartup() throws Exception {
        Result r = startToExit(dir.resolve("exposed"), List.of(), "--imaged.hosts=tcp://0.0.0.0:" + io.imaged.testsupport.Ports.free());
        assertThat(r.exit()).as(r.output()).isNotZero();
        assertThat(r.output()).contains("APPLICATION FAILED TO START", "a non-loopback address, without TLS",
                "imaged.tls.verify", "imaged.tcp-unauthenticated=true", "IMAGED_TCP_UNAUTHENTICATED").doesNotContain("\tat ");
    }

    @Test
    void inconsistentTlsSettingsStopStartupNamingTheSetting() throws Exception {
        Result r = startToExit(dir.resolve("half"), List.of("IMAGED_TLS_CERT=" + certs.serverCert()),
                "--imaged.hosts=tcp://127.0.0.1:" + io.imaged.testsupport.Ports.free());
        assertThat(r.exit()).as(r.output()).isNotZero();
        assertThat(r.output()).contains("APPLICATION FAILED TO START",
                "imaged.tls.cert is set but imaged.tls.key is not", "IMAGED_TLS_KEY").doesNotContain("\tat ");
    }

    @Test
    void tcpUnauthenticatedAllowsIt_withALoudWarning(
            @Imaged(tcpHost = "0.0.0.0", args = "--imaged.tcp-unauthenticated=true") ImagedProcess open) {
        assertThat(open.logText()).contains("WARN").contains("Binding to IP address 0.0.0.0 (tcp://0.0.0.0:" + open.port()
                + ") without TLS and client certificates (imaged.tls.verify) is insecure");
        assertThat(new DockerCli(open.tcpUrl().replace("http://", "tcp://"), dir.resolve("cli-open"))
                .run("version", "--format", "{{.Server.APIVersion}}").ok().stdout().trim()).isEqualTo("1.50");
    }

    private record Result(int exit, String output) {
    }

    private static Result curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30"));
        cmd.addAll(List.of(args));
        return exec(cmd);
    }

    private static Result exec(List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // requests lets these override docker-py's TLSConfig(ca_cert=...) (psf/requests#3829); users unset them too
        pb.environment().remove("REQUESTS_CA_BUNDLE");
        pb.environment().remove("CURL_CA_BUNDLE");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd.get(0) + " timed out");
        }
        return new Result(p.exitValue(), out);
    }

    /** Runs the packaged jar (loopback-pinned docker.io) until it exits by itself; env entries are NAME=value. */
    private static Result startToExit(Path data, List<String> env, String... args) throws Exception {
        List<String> cmd = ImagedJvm.command("-Xmx256m");
        cmd.addAll(List.of("--imaged.data-root=" + data,
                "--imaged.registry.docker-io-upstream=http://127.0.0.1:1", "--imaged.registry.docker-io-index=http://127.0.0.1:1"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        for (String e : env) pb.environment().put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("imaged did not exit:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    private static String python3WithDocker() throws Exception {
        for (String python : List.of("/usr/bin/python3", "python3")) {
            try {
                if (exec(List.of(python, "-c", "import docker")).exit() == 0) return python;
            } catch (IOException notThere) {
                // try the next
            }
        }
        Tools.require("python3-with-docker-py");
        throw new AssertionError("unreachable");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
