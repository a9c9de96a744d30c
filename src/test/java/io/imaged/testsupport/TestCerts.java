package io.imaged.testsupport;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PKI made with the {@code openssl} CLI at test time (no key is committed): a CA, a server
 * certificate for {@code IP:127.0.0.1} and {@code DNS:localhost}, and client (or more server) certificates signed by
 * the same CA whose keys are in the PEM forms dockerd accepts (PKCS#1 RSA, SEC1 EC, PKCS#8). Two instances in two
 * directories are two unrelated CAs.
 */
public final class TestCerts {
    private static final String CONF = """
            [req]
            distinguished_name = dn
            prompt = no
            [dn]
            CN = placeholder
            [ca]
            basicConstraints = critical,CA:TRUE
            keyUsage = critical,keyCertSign,cRLSign
            subjectKeyIdentifier = hash
            [server]
            basicConstraints = CA:FALSE
            keyUsage = critical,digitalSignature,keyEncipherment
            extendedKeyUsage = serverAuth
            subjectAltName = IP:127.0.0.1,DNS:localhost
            [client]
            basicConstraints = CA:FALSE
            keyUsage = critical,digitalSignature,keyEncipherment
            extendedKeyUsage = clientAuth
            """;
    private final Path dir;

    /** PEM key encodings of client keys. */
    public enum KeyForm {
        /** {@code -----BEGIN RSA PRIVATE KEY-----} */
        PKCS1_RSA,
        /** {@code -----BEGIN EC PARAMETERS-----} then {@code -----BEGIN EC PRIVATE KEY-----}, as openssl ecparam writes */
        SEC1_EC,
        /** {@code -----BEGIN PRIVATE KEY-----} (an EC key) */
        PKCS8,
        /** {@code -----BEGIN PRIVATE KEY-----} (an RSA key) */
        PKCS8_RSA
    }

    private TestCerts(Path dir) {
        this.dir = dir;
    }

    public static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/openssl"));
    }

    /** Makes the CA and the server certificate in {@code dir}. */
    public static TestCerts create(Path dir) throws IOException {
        TestCerts c = new TestCerts(dir);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("openssl.cnf"), CONF);
        c.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                "-subj", "/CN=imaged test CA", "-config", "openssl.cnf", "-extensions", "ca");
        c.openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
                "-subj", "/CN=127.0.0.1", "-config", "openssl.cnf");
        c.sign("server.csr", "server.crt", "server");
        c.client("client", KeyForm.SEC1_EC);
        return c;
    }

    /**
     * Makes a client certificate {@code <name>.cert} with its key {@code <name>.key} in the given form, and a
     * {@code <name>.p12} (password {@code test}) for the test's own HTTP clients.
     */
    public void client(String name, KeyForm form) throws IOException {
        String key = name + ".key";
        newKey(key, form);
        openssl("req", "-new", "-key", key, "-out", name + ".csr", "-subj", "/CN=imaged test client " + name, "-config", "openssl.cnf");
        sign(name + ".csr", name + ".cert", "client");
        openssl("pkcs12", "-export", "-inkey", key, "-in", name + ".cert", "-out", name + ".p12", "-passout", "pass:test");
    }

    /**
     * Makes a server certificate {@code <name>.cert} (for {@code IP:127.0.0.1} and {@code DNS:localhost}) with its
     * key {@code <name>.key} in the given form.
     */
    public void server(String name, KeyForm form) throws IOException {
        String key = name + ".key";
        newKey(key, form);
        openssl("req", "-new", "-key", key, "-out", name + ".csr", "-subj", "/CN=imaged test server " + name, "-config", "openssl.cnf");
        sign(name + ".csr", name + ".cert", "server");
    }

    /**
     * Writes the files the docker CLI reads from {@code DOCKER_CERT_PATH} (and docker-java from its cert path):
     * {@code ca.pem} (this CA), {@code cert.pem} and {@code key.pem} (client certificate {@code client}).
     */
    public Path dockerCertPath(String client, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.copy(caCert(), dir.resolve("ca.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(clientCert(client), dir.resolve("cert.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(clientKey(client), dir.resolve("key.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return dir;
    }

    private void newKey(String key, KeyForm form) throws IOException {
        switch (form) {
            case PKCS1_RSA -> openssl("genrsa", "-traditional", "-out", key, "2048");
            case SEC1_EC -> openssl("ecparam", "-genkey", "-name", "prime256v1", "-out", key);
            case PKCS8 -> openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key);
            case PKCS8_RSA -> openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key);
        }
    }

    private void sign(String csr, String out, String extensions) throws IOException {
        openssl("x509", "-req", "-in", csr, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", out,
                "-days", "2", "-extfile", "openssl.cnf", "-extensions", extensions);
    }

    private void openssl(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("/usr/bin/openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("openssl " + args[0] + " failed: " + out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    public Path dir() {
        return dir;
    }

    public Path caCert() {
        return dir.resolve("ca.crt");
    }

    public Path serverCert() {
        return dir.resolve("server.crt");
    }

    public Path serverKey() {
        return dir.resolve("server.key");
    }

    public Path clientCert(String name) {
        return dir.resolve(name + ".cert");
    }

    public Path clientKey(String name) {
        return dir.resolve(name + ".key");
    }

    /** The registry's TLS settings: the server certificate, and with {@code requireClientCert} the CA for clients. */
    public RegistryProcess.Tls registryTls(boolean requireClientCert) {
        return new RegistryProcess.Tls(serverCert(), serverKey(), requireClientCert ? caCert() : null);
    }

    /** An HTTP client (JDK only, independent of imaged) trusting the test CA, presenting {@code client} if not null. */
    public HttpClient httpClient(String client) {
        return HttpClient.newBuilder().sslContext(sslContext(client)).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** A TLS context trusting the test CA, presenting client certificate {@code client} if not null. */
    public SSLContext sslContext(String client) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (InputStream in = Files.newInputStream(caCert())) {
                Certificate ca = CertificateFactory.getInstance("X.509").generateCertificate(in);
                trust.setCertificateEntry("ca", ca);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (client != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(dir.resolve(client + ".p12"))) {
                    keys.load(in, "test".toCharArray());
                }
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, "test".toCharArray());
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Copies the CA (as {@code ca.crt}) into {@code <data-root>/certs.d/<hostPort>/}. */
    public void installCa(Path dataRoot, String hostPort) throws IOException {
        Path d = Files.createDirectories(dataRoot.resolve("certs.d").resolve(hostPort));
        Files.copy(caCert(), d.resolve("ca.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Copies client certificate {@code name} as {@code <as>.cert} (and, with {@code withKey}, {@code <as>.key}). */
    public void installClient(Path dataRoot, String hostPort, String name, String as, boolean withKey) throws IOException {
        Path d = Files.createDirectories(dataRoot.resolve("certs.d").resolve(hostPort));
        Files.copy(clientCert(name), d.resolve(as + ".cert"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        if (withKey) Files.copy(clientKey(name), d.resolve(as + ".key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
