package io.imaged.pem;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * PEM certificates and private keys as dockerd reads them (Go's {@code tls.X509KeyPair}): certificates in a PEM
 * bundle, unencrypted private keys in PKCS#1 ({@code RSA PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}, with or
 * without openssl ecparam's {@code EC PARAMETERS} block before it) or PKCS#8 ({@code PRIVATE KEY}). Shared by the
 * registry client's {@code certs.d} and the daemon's own TLS listeners, so both accept the same files.
 */
public final class PemFiles {
    private PemFiles() {
    }

    /** A file that is not what it should be; the message names the file and says what is wrong. */
    public static class InvalidPemException extends IOException {
        public InvalidPemException(String message) {
            super(message);
        }

        public InvalidPemException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Every certificate in a PEM (or DER) file, in file order; none is an error. */
    public static List<X509Certificate> certificates(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> out = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) out.add((X509Certificate) c);
            if (out.isEmpty()) throw new InvalidPemException("no certificate in " + file);
            return out;
        } catch (CertificateException e) {
            throw new InvalidPemException("invalid certificate " + file + ": " + e.getMessage(), e);
        }
    }

    /** The first private key in a PEM file; parameters blocks (openssl ecparam's {@code EC PARAMETERS}) are skipped. */
    public static PrivateKey privateKey(Path file) throws IOException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(r)) {
            Object o;
            while ((o = pem.readObject()) != null) {
                if (o instanceof PEMKeyPair kp) return converter.getPrivateKey(kp.getPrivateKeyInfo());
                if (o instanceof PrivateKeyInfo pki) return converter.getPrivateKey(pki);
                if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new InvalidPemException("private key " + file + " is encrypted (not supported, as with dockerd)");
                }
            }
        } catch (InvalidPemException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new InvalidPemException("invalid private key " + file + ": " + e.getMessage(), e);
        }
        throw new InvalidPemException("no PEM private key in " + file);
    }

    /** Whether {@code key} belongs to {@code cert}: a signature made with the key verifies with the certificate. */
    public static boolean matches(X509Certificate cert, PrivateKey key) {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (alg == null) return true; // unusual key type: let the TLS handshake decide
        try {
            byte[] probe = "imaged key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
