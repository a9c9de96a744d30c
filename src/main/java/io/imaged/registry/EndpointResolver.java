package io.imaged.registry;

import io.imaged.config.ImagedProperties;
import io.imaged.reference.ImageReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where to reach a registry, after dockerd's rules: {@code docker.io} is {@code registry-1.docker.io} behind the
 * configured mirrors; a registry in {@code imaged.registry.insecure} (and any loopback registry, as dockerd treats
 * 127.0.0.0/8, unless {@code imaged.registry.loopback-insecure} is false) is tried over HTTPS without verification,
 * then plain HTTP; others need verified HTTPS, with extra CAs from {@code <data-root>/certs.d/<host:port>/*.crt}.
 * Client certificates in that directory ({@code *.cert} + {@code *.key}) are presented over HTTPS, verified or not.
 */
@Component
public class EndpointResolver {
    private static final Logger log = LoggerFactory.getLogger(EndpointResolver.class);
    public static final String DOCKER_IO_UPSTREAM = "https://registry-1.docker.io";
    private static final char[] KEY_PASSWORD = "certs.d".toCharArray();
    private final ImagedProperties props;
    private final Path certsDir;
    /** HTTP clients by TLS mode and host:port (certs.d is per host), with the certs.d fingerprint they were built from. */
    private final Map<String, CachedClient> clients = new ConcurrentHashMap<>();
    /** Which scheme answered last time for an insecure registry, so a pull does not try both every time. */
    private final Map<String, String> workingScheme = new ConcurrentHashMap<>();

    /** How a client talks to its host: verified TLS, TLS without verification, or plain HTTP. */
    enum Tls { VERIFY, NO_VERIFY, PLAIN }

    private record CachedClient(String fingerprint, HttpClient client) {
    }

    public EndpointResolver(ImagedProperties props) {
        this.props = props;
        this.certsDir = props.dataRoot().toAbsolutePath().normalize().resolve("certs.d");
    }

    /**
     * Endpoints to try in order for pulling from (or, with {@code push}, pushing to) {@code domain}; fails with
     * {@link CertsDirectory.InvalidException} when the registry's certs.d directory cannot be used.
     */
    public List<RegistryEndpoint> endpoints(String domain, boolean push) throws IOException {
        List<RegistryEndpoint> out = new ArrayList<>();
        if (domain.equals(ImageReference.DEFAULT_DOMAIN)) {
            if (!push) {
                for (String m : props.registry().mirrors()) {
                    out.add(configured(URI.create(m.contains("://") ? m : "https://" + m), true));
                }
            }
            String upstream = props.registry().dockerIoUpstream();
            out.add(configured(URI.create(upstream == null || upstream.isBlank() ? DOCKER_IO_UPSTREAM : upstream), false));
            return out;
        }
        if (isInsecure(domain)) {
            RegistryEndpoint https = new RegistryEndpoint(domain, URI.create("https://" + domain), client(domain, Tls.NO_VERIFY), false, true);
            RegistryEndpoint http = new RegistryEndpoint(domain, URI.create("http://" + domain), client(domain, Tls.PLAIN), false, true);
            if ("http".equals(workingScheme.get(domain))) {
                out.add(http);
                out.add(https);
            } else {
                out.add(https);
                out.add(http);
            }
            return out;
        }
        out.add(new RegistryEndpoint(domain, URI.create("https://" + domain), client(domain, Tls.VERIFY), false, false));
        return out;
    }

    private static Tls mode(URI u, boolean insecure) {
        if (!"https".equals(u.getScheme())) return Tls.PLAIN;
        return insecure ? Tls.NO_VERIFY : Tls.VERIFY;
    }

    /** Docker Hub's index, where docker.io's search is ({@code imaged.registry.docker-io-index}). */
    public RegistryEndpoint dockerIoIndex() throws IOException {
        String index = props.registry().dockerIoIndex();
        return configured(URI.create(index == null || index.isBlank() ? "https://index.docker.io" : index), false);
    }

    /** A docker.io endpoint given by URL in the configuration (a mirror, the upstream, the search index). */
    private RegistryEndpoint configured(URI u, boolean mirror) throws IOException {
        String hp = RegistryEndpoint.hostPort(u);
        boolean insecure = isInsecure(hp);
        return new RegistryEndpoint(ImageReference.DEFAULT_DOMAIN, stripPath(u), client(hp, mode(u, insecure)), mirror, insecure);
    }

    /** Remembers that {@code e} answered, so that the next operation tries it first. */
    public void worked(RegistryEndpoint e) {
        if (e.insecure() && !e.mirror()) workingScheme.put(e.name(), e.base().getScheme());
    }

    private static URI stripPath(URI u) {
        return URI.create(u.getScheme() + "://" + u.getRawAuthority());
    }

    public boolean isInsecure(String hostPort) {
        if (props.registry().insecure().contains(hostPort)) return true;
        String host = hostPort;
        if (host.startsWith("[")) host = host.substring(1, Math.max(1, host.indexOf(']')));
        else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) host = host.substring(0, host.indexOf(':'));
        if (props.registry().insecure().contains(host)) return true;
        for (String entry : props.registry().insecure()) {
            Cidr range = Cidr.parse(entry);
            if (range != null && range.contains(host)) return true;
        }
        if (!props.registry().loopbackInsecure()) return false;
        // dockerd always treats 127.0.0.0/8 as insecure; resolve only literal addresses and localhost (no DNS)
        if (host.equals("localhost") || host.matches("127\\.\\d+\\.\\d+\\.\\d+") || host.equals("::1")) return true;
        try {
            if (host.matches("[0-9.]+")) return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException ignored) {
            return false;
        }
        return false;
    }

    /** {@code <data-root>/certs.d/<host:port>}; null for a name that would lead out of certs.d. */
    Path certsDirFor(String hostPort) {
        try {
            Path dir = certsDir.resolve(hostPort).normalize();
            return certsDir.equals(dir.getParent()) ? dir : null;
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    /**
     * An HTTP client for {@code hostPort} in mode {@code tls}: verified TLS trusts the system CAs plus certs.d's
     * {@code *.crt}; both TLS modes present certs.d's client certificates. Cached until the directory changes.
     */
    HttpClient client(String hostPort, Tls tls) throws IOException {
        if (tls == Tls.PLAIN) {
            return clients.computeIfAbsent("plain", k -> new CachedClient("", builder().build())).client();
        }
        Path dir = certsDirFor(hostPort);
        String key = tls + " " + hostPort;
        CachedClient cached = clients.get(key);
        String fingerprint = dir == null ? "" : CertsDirectory.fingerprint(dir);
        if (cached != null && cached.fingerprint().equals(fingerprint)) return cached.client();
        CertsDirectory certs = dir == null ? CertsDirectory.NONE : CertsDirectory.read(dir);
        HttpClient.Builder b = builder();
        try {
            SSLContext ctx = sslContext(tls, certs);
            if (ctx != null) b.sslContext(ctx);
        } catch (GeneralSecurityException e) {
            throw new CertsDirectory.InvalidException("TLS setup for " + hostPort + " from " + dir + " failed: " + e.getMessage(), e);
        }
        if (!certs.isEmpty()) {
            log.info("{} for {}: {} CA certificate(s) and {} client certificate(s) from {}", tls == Tls.VERIFY ? "verified TLS"
                    : "TLS without verification", hostPort, tls == Tls.VERIFY ? certs.cas().size() : 0, certs.clients().size(), dir);
        }
        HttpClient client = b.build();
        clients.put(key, new CachedClient(certs.fingerprint(), client));
        return client;
    }

    private HttpClient.Builder builder() {
        return HttpClient.newBuilder()
                .connectTimeout(props.registry().connectTimeout())
                // RegistrySession follows redirects itself, so that credentials stay with the registry
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1);
    }

    /** Null when the JDK's default context fits (verified, no extra CAs, no client certificate). */
    private static SSLContext sslContext(Tls tls, CertsDirectory certs) throws GeneralSecurityException, IOException {
        TrustManager[] trust = tls == Tls.NO_VERIFY ? new TrustManager[]{TRUST_ALL}
                : certs.cas().isEmpty() ? null : systemPlus(certs.cas());
        KeyManager[] keys = certs.clients().isEmpty() ? null : keyManagers(certs.clients());
        if (trust == null && keys == null) return null;
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keys, trust, null);
        return ctx;
    }

    /** Trust managers for the system CAs plus {@code extra}. */
    private static TrustManager[] systemPlus(List<X509Certificate> extra) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        TrustManagerFactory sys = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        sys.init((KeyStore) null);
        int i = 0;
        for (TrustManager tm : sys.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                for (X509Certificate c : x.getAcceptedIssuers()) ks.setCertificateEntry("sys-" + i++, c);
            }
        }
        for (X509Certificate c : extra) ks.setCertificateEntry("certsd-" + i++, c);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf.getTrustManagers();
    }

    /** Key managers offering each client certificate; the JDK picks one the server's certificate request accepts. */
    private static KeyManager[] keyManagers(List<CertsDirectory.ClientCert> certs) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        int i = 0;
        for (CertsDirectory.ClientCert c : certs) {
            ks.setKeyEntry("client-" + i++, c.key(), KEY_PASSWORD, c.chain().toArray(new X509Certificate[0]));
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, KEY_PASSWORD);
        return kmf.getKeyManagers();
    }

    /**
     * Accepts any certificate and any host name: an X509ExtendedTrustManager that does not check is also what
     * turns off the JDK client's host name verification, without a JVM-wide system property.
     */
    private static final X509ExtendedTrustManager TRUST_ALL = new X509ExtendedTrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] c, String a, Socket s) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] c, String a, Socket s) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] c, String a) throws CertificateException {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] c, String a) throws CertificateException {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    };
}
