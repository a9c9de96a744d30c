package io.imaged.api.listener;

import io.imaged.config.ImagedProperties;
import io.imaged.pem.PemFiles;
import org.apache.catalina.connector.Connector;
import org.apache.coyote.http11.AbstractHttp11JsseProtocol;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.apache.tomcat.util.net.jsse.JSSEImplementation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * TLS for the {@code tcp://} listeners, as dockerd's {@code --tlscert}, {@code --tlskey}, {@code --tlscacert} and
 * {@code --tlsverify}: the server certificate and key (PEM, read by {@link PemFiles} as for {@code certs.d}) and,
 * with {@code verify}, the CAs a client certificate must be signed by. Everything is read and checked once at
 * startup, so a wrong setting stops the daemon with a message naming it instead of failing each handshake.
 *
 * @param identity  the server's key and certificate chain, in an in-memory key store (never written anywhere);
 *                  null when TLS is off
 * @param password  the in-memory key store's entry password (random per start; it protects nothing on disk)
 * @param clientCas the CAs of accepted client certificates; null unless {@code verify}
 * @param warnings  settings that are legal but probably not what was meant, to log at startup
 */
public record ListenerTls(KeyStore identity, String password, KeyStore clientCas, List<String> warnings) {
    static final String ALIAS = "imaged";

    public boolean verify() {
        return clientCas != null;
    }

    /** The TLS of {@code tls}; {@link #on()} is false when TLS is off (no cert, no key, no verify). */
    public static ListenerTls load(ImagedProperties.Tls tls) {
        List<String> warnings = new ArrayList<>();
        if (!tls.enabled()) {
            if (tls.caCert() != null) {
                warnings.add("imaged.tls.ca-cert is set but TLS is off (no imaged.tls.cert, imaged.tls.key or "
                        + "imaged.tls.verify): the tcp:// listeners speak plain HTTP");
            }
            return new ListenerTls(null, null, null, List.copyOf(warnings));
        }
        if (tls.cert() == null || tls.key() == null) {
            String missing = tls.cert() == null ? "imaged.tls.cert" : "imaged.tls.key";
            String given = tls.cert() != null ? "imaged.tls.cert is set"
                    : tls.key() != null ? "imaged.tls.key is set" : "imaged.tls.verify=true is set";
            throw new ListenerSettingsException("TLS for the tcp:// listeners is incomplete: " + given + " but "
                    + missing + " is not.", "Give both imaged.tls.cert (the server certificate, PEM) and imaged.tls.key "
                    + "(its private key, PEM) (env IMAGED_TLS_CERT, IMAGED_TLS_KEY), or neither for plain HTTP.");
        }
        if (tls.verify() && tls.caCert() == null) {
            throw new ListenerSettingsException("imaged.tls.verify=true needs imaged.tls.ca-cert, the CA certificates "
                    + "that sign the client certificates to accept; it is not set.",
                    "Set imaged.tls.ca-cert (env IMAGED_TLS_CA_CERT) to a PEM bundle of those CAs.");
        }
        if (!tls.verify() && tls.caCert() != null) {
            warnings.add("imaged.tls.ca-cert is set without imaged.tls.verify=true: it is not used and clients are "
                    + "not asked for a certificate (set imaged.tls.verify=true to require one, as dockerd's --tlsverify)");
        }
        List<X509Certificate> chain = certificates("imaged.tls.cert", tls.cert());
        PrivateKey key = privateKey(tls.key());
        if (!PemFiles.matches(chain.get(0), key)) {
            throw new ListenerSettingsException("The private key in imaged.tls.key (" + tls.key() + ") does not belong to "
                    + "the certificate in imaged.tls.cert (" + tls.cert() + ").",
                    "Give the key the certificate was made for: its public key must be the certificate's.");
        }
        try {
            chain.get(0).checkValidity();
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            warnings.add("the certificate in imaged.tls.cert (" + tls.cert() + ") is not valid now (valid "
                    + chain.get(0).getNotBefore().toInstant() + " to " + chain.get(0).getNotAfter().toInstant()
                    + "): clients will refuse it");
        }
        try {
            String password = randomPassword();
            KeyStore identity = KeyStore.getInstance("PKCS12");
            identity.load(null, null);
            identity.setKeyEntry(ALIAS, key, password.toCharArray(), chain.toArray(X509Certificate[]::new));
            KeyStore cas = null;
            if (tls.verify()) {
                cas = KeyStore.getInstance("PKCS12");
                cas.load(null, null);
                int i = 0;
                for (X509Certificate ca : certificates("imaged.tls.ca-cert", tls.caCert())) {
                    cas.setCertificateEntry("ca-" + i++, ca);
                }
            }
            return new ListenerTls(identity, password, cas, List.copyOf(warnings));
        } catch (GeneralSecurityException | IOException e) {
            throw new ListenerSettingsException("TLS for the tcp:// listeners cannot be set up from imaged.tls.cert ("
                    + tls.cert() + ") and imaged.tls.key (" + tls.key() + "): " + e.getMessage(),
                    "Check that the certificate and key are PEM files openssl can read.", e);
        }
    }

    /** Whether the tcp:// listeners speak TLS. */
    public boolean on() {
        return identity != null;
    }

    /** One line for the startup log: whose certificate, and whether client certificates are required. */
    public String describe() {
        try {
            X509Certificate leaf = (X509Certificate) identity.getCertificate(ALIAS);
            return "tcp:// listeners speak TLS 1.2/1.3 as " + leaf.getSubjectX500Principal().getName()
                    + " (certificate valid until " + leaf.getNotAfter().toInstant() + "); client certificates "
                    + (verify() ? "required, signed by one of the " + clientCas.size() + " CA(s) in imaged.tls.ca-cert"
                    : "not asked for (imaged.tls.verify=false)");
        } catch (GeneralSecurityException e) {
            return "tcp:// listeners speak TLS";
        }
    }

    /** Makes {@code c} speak TLS 1.2 or 1.3 with this identity, requiring a client certificate when {@link #verify()}. */
    public void applyTo(Connector c) {
        if (!on()) return;
        if (!(c.getProtocolHandler() instanceof AbstractHttp11JsseProtocol<?> p)) {
            throw new IllegalStateException("TLS needs an HTTP/1.1 connector, not " + c.getProtocolHandler());
        }
        c.setScheme("https");
        c.setSecure(true);
        p.setSSLEnabled(true);
        p.setSslImplementationName(JSSEImplementation.class.getName());
        SSLHostConfig host = new SSLHostConfig();
        host.setHostName(p.getDefaultSSLHostConfigName());
        host.setProtocols("TLSv1.2+TLSv1.3");
        host.setCertificateVerification(verify() ? "required" : "none");
        if (verify()) host.setTrustStore(clientCas);
        SSLHostConfigCertificate cert = new SSLHostConfigCertificate(host, SSLHostConfigCertificate.Type.UNDEFINED);
        cert.setCertificateKeystore(identity);
        cert.setCertificateKeystorePassword(password);
        cert.setCertificateKeyPassword(password);
        cert.setCertificateKeyAlias(ALIAS);
        host.addCertificate(cert);
        p.addSslHostConfig(host);
    }

    private static List<X509Certificate> certificates(String setting, Path file) {
        readable(setting, file);
        try {
            return PemFiles.certificates(file);
        } catch (IOException e) {
            throw new ListenerSettingsException(setting + ": " + e.getMessage(),
                    "Give " + setting + " a PEM file with -----BEGIN CERTIFICATE----- blocks (openssl x509 -in FILE -noout -text reads it).", e);
        }
    }

    private static PrivateKey privateKey(Path file) {
        readable("imaged.tls.key", file);
        try {
            return PemFiles.privateKey(file);
        } catch (IOException e) {
            throw new ListenerSettingsException("imaged.tls.key: " + e.getMessage(),
                    "Give imaged.tls.key an unencrypted PEM private key, RSA or EC, in PKCS#1, SEC1 or PKCS#8 form "
                            + "(openssl pkey -in FILE -noout reads it).", e);
        }
    }

    private static void readable(String setting, Path file) {
        String problem = !Files.exists(file) ? "does not exist"
                : Files.isDirectory(file) ? "is a directory"
                : !Files.isReadable(file) ? "cannot be read by this user" : null;
        if (problem != null) {
            throw new ListenerSettingsException(setting + ": " + file + " " + problem + ".",
                    "Point " + setting + " (env " + envName(setting) + ") at a readable PEM file.");
        }
    }

    static String envName(String setting) {
        return setting.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static String randomPassword() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }
}
