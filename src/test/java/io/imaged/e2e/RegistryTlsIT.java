package io.imaged.e2e;

import io.imaged.testsupport.Certs;
import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryHttp;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.RegistrySeeder;
import io.imaged.testsupport.TestCerts;
import io.imaged.testsupport.TestImages.Compression;
import io.imaged.testsupport.TestImages.Layer;
import io.imaged.testsupport.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Registries over TLS, as dockerd reaches them: real docker-registry processes serving HTTPS with a certificate
 * from a CA made by openssl for this run, one of them requiring client certificates. One imaged requires verified
 * TLS even on loopback ({@code imaged.registry.loopback-insecure=false}) and trusts CAs from
 * {@code <data-root>/certs.d/<host:port>/*.crt}; another lists the registries in {@code imaged.registry.insecure}
 * (TLS without verification). Client certificates come from {@code certs.d/<host:port>/*.cert} + {@code *.key}.
 */
@ImagedTest
class RegistryTlsIT {
    @Certs
    static TestCerts certs;
    @Registry(tls = "certs")
    static RegistryProcess tls;
    @Registry(tls = "certs", clientCerts = true)
    static RegistryProcess mtls;
    @Registry(tls = "certs", user = "tess", password = "s3cret")
    static RegistryProcess authTls;
    /** Requires verified TLS on loopback. */
    @Imaged(args = "--imaged.registry.loopback-insecure=false")
    static ImagedProcess strict;
    /** The same, but with the TLS registries listed as insecure. */
    @Imaged(args = {"--imaged.registry.loopback-insecure=false", "--imaged.registry.insecure=${tls.host},${mtls.host}"})
    static ImagedProcess lenient;
    @Cli(of = "strict")
    static DockerCli strictCli;
    @Cli(of = "lenient")
    static DockerCli lenientCli;
    static byte[] tlsConfig;
    static byte[] mtlsConfig;

    @BeforeAll
    static void seed() throws Exception {
        certs.client("rsaclient", TestCerts.KeyForm.PKCS1_RSA);
        tlsConfig = seed(new RegistrySeeder(certs.httpClient(null), tls.url(), null), "tls/app", "tls");
        mtlsConfig = seed(new RegistrySeeder(certs.httpClient("client"), mtls.url(), null), "mtls/app", "mtls");
    }

    private static byte[] seed(RegistrySeeder seeder, String repo, String label) throws Exception {
        Layer l = TestImages.layer(Map.of("tls/" + label, label + "\n"), Compression.GZIP);
        byte[] cfg = TestImages.config(List.of(l), "linux", "amd64", null, label);
        seeder.manifest(repo, "1", TestImages.DOCKER_MANIFEST, TestImages.manifest(seeder, repo, cfg, List.of(l), false));
        return cfg;
    }

    private static String imageId(DockerCli cli, String ref) {
        return cli.run("image", "inspect", "--format", "{{.Id}}", ref).ok().stdout().trim();
    }

    /** Whether any file under the data root is named after the blob's digest (blob store, partials). */
    private static boolean stored(ImagedProcess imaged, byte[] blob) throws IOException {
        String hex = RegistrySeeder.sha256(blob).substring("sha256:".length());
        try (Stream<Path> s = Files.walk(imaged.dataRoot())) {
            return s.anyMatch(f -> f.getFileName().toString().startsWith(hex));
        }
    }

    @Test
    void verifiedTlsTrustsCertsDirCaForPullAndPush() throws Exception {
        String host = tls.host();
        String ref = host + "/tls/app:1";
        assertThat(strictCli.run("info", "--format", "{{json .RegistryConfig.InsecureRegistryCIDRs}}").ok().stdout())
                .doesNotContain("127.0.0.0/8");

        // (b) no CA for the registry: refused with Go's wording, nothing stored
        DockerCli.Result unknown = strictCli.run("pull", ref);
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.stderr().trim()).isEqualTo("Error response from daemon: Get \"https://" + host
                + "/v2/\": x509: certificate signed by unknown authority");
        assertThat(strictCli.run("image", "inspect", ref).exitCode()).isEqualTo(1);
        assertThat(stored(strict, tlsConfig)).isFalse();

        // (a) the CA in certs.d/<host:port>/ca.crt: verified TLS works (certs.d is read again when it changes)
        certs.installCa(strict.dataRoot(), host);
        strictCli.run("pull", ref).ok();
        assertThat(imageId(strictCli, ref)).isEqualTo(RegistrySeeder.sha256(tlsConfig));
        assertThat(strict.logText()).contains("verified TLS for " + host + ": 1 CA certificate(s)");

        // (e) push over verified TLS
        strictCli.run("tag", ref, host + "/tls/pushed:2").ok();
        DockerCli.Result push = strictCli.run("push", host + "/tls/pushed:2").ok();
        RegistryHttp.Manifest m = new RegistryHttp(certs.httpClient(null), tls.url(), null).manifest("tls/pushed", "2");
        assertThat(m.status()).isEqualTo(200);
        assertThat(push.stdout()).contains("2: digest: " + m.digest());
        assertThat(m.text()).contains(RegistrySeeder.sha256(tlsConfig));
    }

    @Test
    void insecureRegistryUsesTlsWithoutVerification() {
        // (c) listed in imaged.registry.insecure, no CA anywhere: TLS without verification (the registry has no HTTP)
        String ref = tls.host() + "/tls/app:1";
        assertThat(Files.exists(lenient.dataRoot().resolve("certs.d"))).isFalse();
        lenientCli.run("pull", ref).ok();
        assertThat(imageId(lenientCli, ref)).isEqualTo(RegistrySeeder.sha256(tlsConfig));
    }

    @Test
    void mutualTlsPresentsCertsDirClientCertificate() throws Exception {
        String host = mtls.host();
        String ref = host + "/mtls/app:1";
        certs.installCa(strict.dataRoot(), host);

        // (d) the registry wants a client certificate and gets none
        DockerCli.Result none = strictCli.run("pull", ref);
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.stderr().trim()).matches("Error response from daemon: Get \"https://" + java.util.regex.Pattern.quote(host)
                + "/v2/\": remote error: tls: (bad certificate|certificate required)");
        assertThat(stored(strict, mtlsConfig)).isFalse();

        // a .cert without its .key is refused as dockerd refuses it
        certs.installClient(strict.dataRoot(), host, "client", "client", false);
        DockerCli.Result noKey = strictCli.run("pull", ref);
        assertThat(noKey.exitCode()).isEqualTo(1);
        assertThat(noKey.stderr().trim()).isEqualTo("Error response from daemon: missing key client.key for client "
                + "certificate client.cert. CA certificates must use the extension .crt");
        // the same unusable certs.d is a 400 for a login and a search too, as for the pull
        java.net.http.HttpClient api = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpResponse<String> login = api.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(strict.tcpUrl() + "/auth")).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"username\":\"u\",\"password\":\"p\",\"serveraddress\":\""
                        + host + "\"}")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(400);
        assertThat(login.body()).contains("missing key client.key for client certificate client.cert");
        java.net.http.HttpResponse<String> search = api.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(strict.tcpUrl() + "/images/search?term=" + host + "/mtls")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(search.statusCode()).isEqualTo(400);

        // client.cert + client.key (SEC1 EC key): pull and push work
        certs.installClient(strict.dataRoot(), host, "client", "client", true);
        strictCli.run("pull", ref).ok();
        assertThat(imageId(strictCli, ref)).isEqualTo(RegistrySeeder.sha256(mtlsConfig));
        assertThat(strict.logText()).contains("verified TLS for " + host + ": 1 CA certificate(s) and 1 client certificate(s)");
        strictCli.run("tag", ref, host + "/mtls/pushed:1").ok();
        strictCli.run("push", host + "/mtls/pushed:1").ok();
        assertThat(new RegistryHttp(certs.httpClient("client"), mtls.url(), null).manifest("mtls/pushed", "1").status())
                .isEqualTo(200);
    }

    @Test
    void mutualTlsWithoutVerification() throws Exception {
        String host = mtls.host();
        String ref = host + "/mtls/app:1";
        DockerCli.Result none = lenientCli.run("pull", ref);
        assertThat(none.exitCode()).isEqualTo(1);
        // the plain-HTTP fallback's 400 ("Client sent an HTTP request to an HTTPS server") would explain nothing
        assertThat(none.stderr()).contains("Get \"https://" + host + "/v2/\": remote error: tls: ");
        assertThat(stored(lenient, mtlsConfig)).isFalse();

        // an insecure registry still gets the client certificate (here a PKCS#1 RSA key); no CA needed
        certs.installClient(lenient.dataRoot(), host, "rsaclient", "me", true);
        lenientCli.run("pull", ref).ok();
        assertThat(imageId(lenientCli, ref)).isEqualTo(RegistrySeeder.sha256(mtlsConfig));
    }

    @Test
    void plainHttpRegistryIsNotInsecureWhenLoopbackIsNot(@Registry RegistryProcess plain) {
        DockerCli.Result r = strictCli.run("pull", plain.host() + "/any/thing:1");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr().trim()).isEqualTo("Error response from daemon: Get \"https://" + plain.host()
                + "/v2/\": http: server gave HTTP response to HTTPS client");
    }

    @Test
    void loginOverVerifiedTls() throws Exception {
        String host = authTls.host();
        DockerCli.Result untrusted = strictCli.run(new ByteArrayInputStream("s3cret\n".getBytes()), "login", "-u", "tess",
                "--password-stdin", host);
        assertThat(untrusted.exitCode()).isEqualTo(1);
        assertThat(untrusted.stderr()).contains("https://" + host + "/v2/").contains("x509: certificate signed by unknown authority");

        certs.installCa(strict.dataRoot(), host);
        DockerCli.Result wrong = strictCli.run(new ByteArrayInputStream("nope\n".getBytes()), "login", "-u", "tess",
                "--password-stdin", host);
        assertThat(wrong.exitCode()).isEqualTo(1);
        assertThat(wrong.stderr()).contains("login attempt to https://" + host + "/v2/ failed with status: 401 Unauthorized");
        DockerCli.Result ok = strictCli.run(new ByteArrayInputStream("s3cret\n".getBytes()), "login", "-u", "tess",
                "--password-stdin", host).ok();
        assertThat(ok.stdout()).contains("Login Succeeded");
    }
}
