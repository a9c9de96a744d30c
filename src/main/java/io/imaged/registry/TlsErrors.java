package io.imaged.registry;

import javax.net.ssl.SSLException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;

/**
 * Words a TLS failure as Go's crypto/tls and crypto/x509 do, since that is what users of dockerd know
 * ({@code x509: certificate signed by unknown authority}, {@code remote error: tls: certificate required}); the
 * JDK's own text is kept where there is no such equivalent.
 */
final class TlsErrors {
    private TlsErrors() {
    }

    static String describe(SSLException e, String hostPort) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) {
                return "x509: certificate has expired or is not yet valid: " + t.getMessage();
            }
            if (t instanceof CertPathValidatorException v && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                return "x509: certificate has expired or is not yet valid: " + t.getMessage();
            }
            if (t instanceof CertPathBuilderException) return "x509: certificate signed by unknown authority";
            String m = t.getMessage() == null ? "" : t.getMessage();
            if (m.contains("No subject alternative") || m.contains("No name matching")) {
                String host = hostPort.startsWith("[") ? hostPort.substring(1, Math.max(1, hostPort.indexOf(']')))
                        : hostPort.contains(":") ? hostPort.substring(0, hostPort.lastIndexOf(':')) : hostPort;
                return "x509: certificate is not valid for " + host + " (" + m + ")";
            }
        }
        if (msg.contains("PKIX path building failed") || msg.contains("unable to find valid certification path")) {
            return "x509: certificate signed by unknown authority";
        }
        int alert = msg.indexOf("Received fatal alert: ");
        if (alert >= 0) {
            String what = msg.substring(alert + "Received fatal alert: ".length()).trim();
            return "remote error: tls: " + what.replace('_', ' ').toLowerCase(Locale.ROOT);
        }
        if (msg.contains("Unsupported or unrecognized SSL message") || msg.contains("Unrecognized SSL message")) return "http: server gave HTTP response to HTTPS client";
        return "tls: " + msg;
    }
}
