package io.imaged.registry;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;

import static org.assertj.core.api.Assertions.assertThat;

/** The JDK's TLS failures (as its HttpClient throws them) worded as Go's, which dockerd users know. */
class TlsErrorsTest {
    private static SSLException handshake(String message, Throwable cause) {
        SSLHandshakeException e = new SSLHandshakeException(message);
        e.initCause(cause);
        return e;
    }

    @Test
    void unknownAuthority() {
        assertThat(TlsErrors.describe(handshake("PKIX path building failed: sun.security.provider.certpath."
                + "SunCertPathBuilderException: unable to find valid certification path to requested target",
                new CertPathBuilderException("unable to find valid certification path to requested target")), "127.0.0.1:5000"))
                .isEqualTo("x509: certificate signed by unknown authority");
    }

    @Test
    void expired() {
        assertThat(TlsErrors.describe(handshake("PKIX path validation failed: validity check failed",
                new CertificateExpiredException("NotAfter: Sat Nov 28 06:00:00 UTC 2026")), "127.0.0.1:5000"))
                .isEqualTo("x509: certificate has expired or is not yet valid: NotAfter: Sat Nov 28 06:00:00 UTC 2026");
    }

    @Test
    void nameMismatch() {
        assertThat(TlsErrors.describe(handshake("No subject alternative names matching IP address 127.0.0.1 found",
                new CertificateException("No subject alternative names matching IP address 127.0.0.1 found")), "127.0.0.1:5000"))
                .isEqualTo("x509: certificate is not valid for 127.0.0.1 (No subject alternative names matching IP address 127.0.0.1 found)");
        assertThat(TlsErrors.describe(handshake("No name matching reg.test found",
                new CertificateException("No name matching reg.test found")), "reg.test"))
                .startsWith("x509: certificate is not valid for reg.test (");
    }

    @Test
    void alertsFromTheServerAndPlainHttp() {
        assertThat(TlsErrors.describe(new SSLHandshakeException("Received fatal alert: bad_certificate"), "h:1"))
                .isEqualTo("remote error: tls: bad certificate");
        assertThat(TlsErrors.describe(new SSLException("Received fatal alert: certificate_required"), "h:1"))
                .isEqualTo("remote error: tls: certificate required");
        assertThat(TlsErrors.describe(new SSLException("Unsupported or unrecognized SSL message"), "h:1"))
                .isEqualTo("http: server gave HTTP response to HTTPS client");
        assertThat(TlsErrors.describe(new SSLException("Unrecognized SSL message, plaintext connection?"), "h:1"))
                .isEqualTo("http: server gave HTTP response to HTTPS client");
        assertThat(TlsErrors.describe(new SSLException("something else"), "h:1")).isEqualTo("tls: something else");
    }
}
