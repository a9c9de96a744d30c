package io.imaged.api.listener;

import io.imaged.config.ImagedProperties;
import io.imaged.testsupport.TestCerts;
import io.imaged.testsupport.TestCerts.KeyForm;
import io.imaged.testsupport.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The daemon's TLS settings as dockerd's {@code --tlscert/--tlskey/--tlscacert/--tlsverify}: server keys in every
 * PEM form dockerd reads, proven by a real in-memory TLS handshake with a client certificate; every inconsistent
 * setting is refused with a message naming it; and the non-loopback rule.
 */
class ListenerTlsTest {
    @TempDir
    static Path tmp;
    static TestCerts certs;
    static TestCerts otherCa;

    @BeforeAll
    static void pki() throws Exception {
        Tools.require("openssl");
        certs = TestCerts.create(tmp.resolve("pki"));
        for (KeyForm form : KeyForm.values()) certs.server("server-" + form, form);
        otherCa = TestCerts.create(tmp.resolve("other"));
    }

    private static ImagedProperties.Tls tls(Path cert, Path key, Path ca, boolean verify) {
        return new ImagedProperties.Tls(cert, key, ca, verify);
    }

    @ParameterizedTest
    @EnumSource(KeyForm.class)
    void serverKeysInEveryPemFormServeAHandshakeThatChecksTheClientCertificate(KeyForm form) throws Exception {
        Path key = certs.clientKey("server-" + form);
        String pem = Files.readString(key);
        switch (form) {
            case PKCS1_RSA -> assertThat(pem).startsWith("-----BEGIN RSA PRIVATE KEY-----");
            case SEC1_EC -> assertThat(pem).startsWith("-----BEGIN EC PARAMETERS-----").contains("-----BEGIN EC PRIVATE KEY-----");
            case PKCS8, PKCS8_RSA -> assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----");
        }
        ListenerTls t = ListenerTls.load(tls(certs.clientCert("server-" + form), key, certs.caCert(), true));
        assertThat(t.on()).isTrue();
        assertThat(t.verify()).isTrue();
        assertThat(t.warnings()).isEmpty();
        assertThat(t.identity().getKey(ListenerTls.ALIAS, t.password().toCharArray()).getAlgorithm())
                .isEqualTo(form == KeyForm.PKCS1_RSA || form == KeyForm.PKCS8_RSA ? "RSA" : "EC");
        assertThat(t.describe()).contains("CN=imaged test server server-" + form, "client certificates required");

        // a client of this CA completes the handshake; one of another CA is refused by the server
        assertThat(handshake(t, certs, "client")).isNotNull();
        assertThatThrownBy(() -> handshake(t, otherCa, "client")).isInstanceOf(SSLException.class);
    }

    @Test
    void withoutVerifyTheServerDoesNotAskForACertificateAndAnUnusedCaIsAWarning() throws Exception {
        ListenerTls plainTls = ListenerTls.load(tls(certs.serverCert(), certs.serverKey(), null, false));
        assertThat(plainTls.on()).isTrue();
        assertThat(plainTls.verify()).isFalse();
        assertThat(plainTls.describe()).contains("not asked for");
        ListenerTls unusedCa = ListenerTls.load(tls(certs.serverCert(), certs.serverKey(), certs.caCert(), false));
        assertThat(unusedCa.verify()).isFalse();
        assertThat(unusedCa.warnings()).singleElement().asString()
                .contains("imaged.tls.ca-cert is set without imaged.tls.verify=true");
        ListenerTls off = ListenerTls.load(tls(null, null, null, false));
        assertThat(off.on()).isFalse();
        assertThat(off.warnings()).isEmpty();
        assertThat(ListenerTls.load(tls(null, null, certs.caCert(), false)).warnings()).singleElement().asString()
                .contains("TLS is off");
    }

    @Test
    void incompleteSettingsNameWhatIsMissing() {
        assertThatThrownBy(() -> ListenerTls.load(tls(certs.serverCert(), null, null, false)))
                .isInstanceOf(ListenerSettingsException.class)
                .hasMessage("TLS for the tcp:// listeners is incomplete: imaged.tls.cert is set but imaged.tls.key is not.")
                .satisfies(e -> assertThat(((ListenerSettingsException) e).action()).contains("IMAGED_TLS_KEY"));
        assertThatThrownBy(() -> ListenerTls.load(tls(null, certs.serverKey(), null, false)))
                .hasMessage("TLS for the tcp:// listeners is incomplete: imaged.tls.key is set but imaged.tls.cert is not.");
        assertThatThrownBy(() -> ListenerTls.load(tls(null, null, certs.caCert(), true)))
                .hasMessage("TLS for the tcp:// listeners is incomplete: imaged.tls.verify=true is set but imaged.tls.cert is not.");
        assertThatThrownBy(() -> ListenerTls.load(tls(certs.serverCert(), certs.serverKey(), null, true)))
                .isInstanceOf(ListenerSettingsException.class)
                .hasMessageStartingWith("imaged.tls.verify=true needs imaged.tls.ca-cert")
                .satisfies(e -> assertThat(((ListenerSettingsException) e).action()).contains("IMAGED_TLS_CA_CERT"));
    }

    @Test
    void unreadableOrWrongFilesNameTheSetting() throws Exception {
        Path missing = tmp.resolve("nowhere.pem");
        assertThatThrownBy(() -> ListenerTls.load(tls(missing, certs.serverKey(), null, false)))
                .isInstanceOf(ListenerSettingsException.class)
                .hasMessage("imaged.tls.cert: " + missing + " does not exist.");
        assertThatThrownBy(() -> ListenerTls.load(tls(certs.serverCert(), certs.serverKey(), missing, true)))
                .hasMessage("imaged.tls.ca-cert: " + missing + " does not exist.");
        assertThatThrownBy(() -> ListenerTls.load(tls(certs.serverCert(), tmp, null, false)))
                .hasMessage("imaged.tls.key: " + tmp + " is a directory.");

        Path garbage = Files.writeString(tmp.resolve("garbage.pem"), "not a certificate\n");
        assertThatThrownBy(() -> ListenerTls.load(tls(garbage, certs.serverKey(), null, false)))
                .isInstanceOf(ListenerSettingsException.class).hasMessageStartingWith("imaged.tls.cert: ");
        assertThatThrownBy(() -> ListenerTls.load(tls(certs.serverCert(), garbage, null, false)))
                .hasMessage("imaged.tls.key: no PEM private key in " + garbage);
        // a certificate given as the key, and a key given as the CA bundle
        assertThatThrownBy(() -> ListenerTls.load(tls(certs.serverCert(), certs.serverCert(), null, false)))
                .hasMessageStartingWith("imaged.tls.key: no PEM private key in ");
        assertThatThrownBy(() -> ListenerTls.load(tls(certs.serverCert(), certs.serverKey(), certs.serverKey(), true)))
                .hasMessageStartingWith("imaged.tls.ca-cert: ");

        Path encrypted = tmp.resolve("encrypted.key");
        Process p = new ProcessBuilder("openssl", "pkey", "-in", certs.serverKey().toString(), "-aes256",
                "-passout", "pass:secret", "-out", encrypted.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor()).isZero();
        assertThatThrownBy(() -> ListenerTls.load(tls(certs.serverCert(), encrypted, null, false)))
                .hasMessage("imaged.tls.key: private key " + encrypted + " is encrypted (not supported, as with dockerd)");

        if (!"root".equals(System.getProperty("user.name"))) {
            Path secret = Files.copy(certs.serverKey(), tmp.resolve("unreadable.key"));
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
            assertThatThrownBy(() -> ListenerTls.load(tls(certs.serverCert(), secret, null, false)))
                    .hasMessage("imaged.tls.key: " + secret + " cannot be read by this user.");
        }
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() {
        assertThatThrownBy(() -> ListenerTls.load(tls(certs.serverCert(), certs.clientKey("server-SEC1_EC"), null, false)))
                .isInstanceOf(ListenerSettingsException.class)
                .hasMessage("The private key in imaged.tls.key (" + certs.clientKey("server-SEC1_EC") + ") does not belong to "
                        + "the certificate in imaged.tls.cert (" + certs.serverCert() + ").");
    }

    @Test
    void nonLoopbackListenersNeedClientCertificatesOrAnExplicitOverride() {
        ListenerTls off = ListenerTls.load(tls(null, null, null, false));
        ListenerTls tlsOnly = ListenerTls.load(tls(certs.serverCert(), certs.serverKey(), null, false));
        ListenerTls verified = ListenerTls.load(tls(certs.serverCert(), certs.serverKey(), certs.caCert(), true));
        List<HostSpec> loopback = hosts("unix:///tmp/x.sock", "tcp://127.0.0.1:2375", "tcp://127.9.8.7:1", "tcp://localhost:2",
                "tcp://[::1]:3", "tcp://:4");
        assertThat(NonLoopbackRule.check(loopback, off, false)).isEmpty();

        for (String exposed : List.of("tcp://0.0.0.0:2375", "tcp://[::]:2375")) {
            List<HostSpec> hosts = hosts("unix:///tmp/x.sock", "tcp://127.0.0.1:1", exposed);
            assertThatThrownBy(() -> NonLoopbackRule.check(hosts, off, false))
                    .isInstanceOf(ListenerSettingsException.class)
                    .hasMessageContaining("imaged.hosts asks for " + exposed + ", a non-loopback address, without TLS")
                    .hasMessageContaining("unless imaged.tls.verify=true or imaged.tcp-unauthenticated=true")
                    .satisfies(e -> assertThat(((ListenerSettingsException) e).action())
                            .contains("IMAGED_TLS_VERIFY", "IMAGED_TCP_UNAUTHENTICATED", "docs/security.md"));
            assertThatThrownBy(() -> NonLoopbackRule.check(hosts, tlsOnly, false))
                    .hasMessageContaining("with TLS but without client certificates (imaged.tls.verify)");
            assertThat(NonLoopbackRule.check(hosts, verified, false)).isEmpty();
            assertThat(NonLoopbackRule.check(hosts, off, true)).singleElement().asString()
                    .startsWith("Binding to IP address ").contains(exposed, "is insecure", "imaged.tcp-unauthenticated=true");
        }
        assertThatThrownBy(() -> NonLoopbackRule.check(hosts("tcp://no-such-host.invalid:1"), off, false))
                .isInstanceOf(ListenerSettingsException.class).hasMessageStartingWith("imaged.hosts: cannot listen on tcp://no-such-host.invalid:1");
    }

    @Test
    void anEmptyValueIsUnsetNotAFileNamedEmpty() {
        ImagedProperties.Tls empty = new ImagedProperties.Tls(Path.of(""), Path.of(" "), Path.of(""), false);
        assertThat(empty.cert()).isNull();
        assertThat(empty.key()).isNull();
        assertThat(empty.caCert()).isNull();
        assertThat(empty.enabled()).isFalse();
        assertThat(ListenerTls.load(empty).on()).isFalse();
    }

    @Test
    void tcpWithoutAPortTakesDockerdsDefaultPorts() {
        assertThat(HostSpec.parse("tcp://127.0.0.1").port()).isEqualTo(2375);
        assertThat(HostSpec.parse("tcp://127.0.0.1", HostSpec.TLS_PORT).port()).isEqualTo(2376);
        assertThat(HostSpec.parse("tcp://127.0.0.1:9", HostSpec.TLS_PORT).port()).isEqualTo(9);
    }

    private static List<HostSpec> hosts(String... specs) {
        return List.of(specs).stream().map(HostSpec::parse).toList();
    }

    /**
     * A TLS 1.3 handshake between an SSLEngine built as Tomcat builds it from {@code t} (key store, trust store,
     * client auth required) and a client presenting {@code client} of {@code ca}; the server's failure is thrown.
     */
    private static SSLSession handshake(ListenerTls t, TestCerts ca, String client) throws Exception {
        KeyManagerFactory serverKeys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        serverKeys.init(t.identity(), t.password().toCharArray());
        TrustManagerFactory serverTrust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        serverTrust.init(t.clientCas());
        SSLContext serverCtx = SSLContext.getInstance("TLS");
        serverCtx.init(serverKeys.getKeyManagers(), serverTrust.getTrustManagers(), null);
        SSLEngine server = serverCtx.createSSLEngine();
        server.setUseClientMode(false);
        server.setNeedClientAuth(true);

        KeyStore clientKeys = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(ca.dir().resolve(client + ".p12"))) {
            clientKeys.load(in, "test".toCharArray());
        }
        KeyManagerFactory ckm = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        ckm.init(clientKeys, "test".toCharArray());
        KeyStore clientTrust = KeyStore.getInstance("PKCS12");
        clientTrust.load(null, null);
        clientTrust.setCertificateEntry("ca", (X509Certificate) t.identity().getCertificateChain(ListenerTls.ALIAS)[0]);
        TrustManagerFactory ctm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        ctm.init(clientTrust); // trusts the server's leaf directly: this handshake tests the server side
        SSLContext clientCtx = SSLContext.getInstance("TLS");
        clientCtx.init(ckm.getKeyManagers(), ctm.getTrustManagers(), null);
        SSLEngine cl = clientCtx.createSSLEngine("localhost", 443);
        cl.setUseClientMode(true);

        ByteBuffer c2s = ByteBuffer.allocate(1 << 17), s2c = ByteBuffer.allocate(1 << 17);
        ByteBuffer sink = ByteBuffer.allocate(1 << 17), empty = ByteBuffer.allocate(0);
        cl.beginHandshake();
        server.beginHandshake();
        for (int round = 0; round < 200; round++) {
            boolean clientDone = done(cl), serverDone = done(server);
            if (clientDone && serverDone) return server.getSession();
            step(cl, empty, c2s, s2c, sink);
            step(server, empty, s2c, c2s, sink);
        }
        throw new AssertionError("handshake did not finish");
    }

    private static boolean done(SSLEngine e) {
        SSLEngineResult.HandshakeStatus s = e.getHandshakeStatus();
        return s == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING || s == SSLEngineResult.HandshakeStatus.FINISHED;
    }

    /** One turn of {@code e}: run delegated tasks, write what it wants to send to {@code out}, read {@code in}. */
    private static void step(SSLEngine e, ByteBuffer empty, ByteBuffer out, ByteBuffer in, ByteBuffer sink) throws SSLException {
        Runnable task;
        while ((task = e.getDelegatedTask()) != null) task.run();
        e.wrap(empty, out);
        in.flip();
        try {
            while (in.hasRemaining()) {
                SSLEngineResult r = e.unwrap(in, sink);
                while ((task = e.getDelegatedTask()) != null) task.run();
                if (r.getStatus() != SSLEngineResult.Status.OK || r.bytesConsumed() == 0) break;
            }
        } finally {
            in.compact();
        }
        sink.clear();
    }
}
