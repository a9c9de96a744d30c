package io.imaged.registry;

import io.imaged.testsupport.Tools;
import io.imaged.testsupport.TestCerts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** certs.d directories as dockerd reads them, with keys and certificates made by the openssl CLI. */
class CertsDirectoryTest {
    @TempDir
    static Path tmp;
    static TestCerts certs;

    @BeforeAll
    static void pki() throws Exception {
        Tools.require("openssl");
        certs = TestCerts.create(tmp.resolve("pki"));
        certs.client("rsa", TestCerts.KeyForm.PKCS1_RSA);
        certs.client("pkcs8", TestCerts.KeyForm.PKCS8);
    }

    private static Path dir(String name) throws Exception {
        return Files.createDirectories(tmp.resolve("certs.d-" + name).resolve("127.0.0.1:5000"));
    }

    @Test
    void readsCasAndClientKeysInEveryPemForm() throws Exception {
        assertThat(Files.readString(certs.clientKey("rsa"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(Files.readString(certs.clientKey("client"))).contains("-----BEGIN EC PRIVATE KEY-----");
        assertThat(Files.readString(certs.clientKey("pkcs8"))).startsWith("-----BEGIN PRIVATE KEY-----");
        Path d = dir("all");
        Files.copy(certs.caCert(), d.resolve("ca.crt"));
        for (String name : new String[]{"rsa", "client", "pkcs8"}) {
            Files.copy(certs.clientCert(name), d.resolve(name + ".cert"));
            Files.copy(certs.clientKey(name), d.resolve(name + ".key"));
        }
        CertsDirectory c = CertsDirectory.read(d);
        assertThat(c.cas()).singleElement().satisfies(ca -> assertThat(ca.getSubjectX500Principal().getName()).isEqualTo("CN=imaged test CA"));
        assertThat(c.clients()).extracting(cc -> cc.key().getAlgorithm()).containsExactlyInAnyOrder("RSA", "EC", "EC");
        assertThat(c.clients()).allSatisfy(cc -> assertThat(cc.chain().get(0).getSubjectX500Principal().getName()).startsWith("CN=imaged test client"));
        assertThat(c.fingerprint()).contains("ca.crt").contains("rsa.key");
    }

    @Test
    void certWithoutKeyAndKeyWithoutCertAreErrorsAsInDockerd() throws Exception {
        Path a = dir("nokey");
        Files.copy(certs.clientCert("client"), a.resolve("client.cert"));
        assertThatThrownBy(() -> CertsDirectory.read(a)).isInstanceOf(CertsDirectory.InvalidException.class)
                .hasMessage("missing key client.key for client certificate client.cert. CA certificates must use the extension .crt");
        Path b = dir("nocert");
        Files.copy(certs.clientKey("client"), b.resolve("client.key"));
        assertThatThrownBy(() -> CertsDirectory.read(b)).isInstanceOf(CertsDirectory.InvalidException.class)
                .hasMessage("missing client certificate client.cert for key client.key");
    }

    @Test
    void keyOfAnotherCertificateIsRefused() throws Exception {
        Path d = dir("mismatch");
        Files.copy(certs.clientCert("client"), d.resolve("client.cert"));
        Files.copy(certs.clientKey("pkcs8"), d.resolve("client.key"));
        assertThatThrownBy(() -> CertsDirectory.read(d)).isInstanceOf(CertsDirectory.InvalidException.class)
                .hasMessageContaining("does not match the public key of");
    }

    @Test
    void missingDirectoryIsEmptyAndGarbageIsAClearError() throws Exception {
        assertThat(CertsDirectory.read(tmp.resolve("nowhere")).isEmpty()).isTrue();
        assertThat(CertsDirectory.fingerprint(tmp.resolve("nowhere"))).isEmpty();
        Path d = dir("garbage");
        Files.writeString(d.resolve("ca.crt"), "not a certificate\n");
        assertThatThrownBy(() -> CertsDirectory.read(d)).isInstanceOf(CertsDirectory.InvalidException.class)
                .hasMessageContaining("ca.crt");
        Path k = dir("garbage-key");
        Files.copy(certs.clientCert("client"), k.resolve("client.cert"));
        Files.writeString(k.resolve("client.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> CertsDirectory.read(k)).isInstanceOf(CertsDirectory.InvalidException.class)
                .hasMessageContaining("client.key");
    }
}
