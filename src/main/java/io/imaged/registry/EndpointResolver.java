package io.imaged.registry;

import io.imaged.config.ImagedProperties;
import io.imaged.image.ImageReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where to reach a registry, after dockerd's rules: {@code docker.io} is {@code registry-1.docker.io} behind the
 * configured mirrors; a registry in {@code imaged.registry.insecure} (and any loopback registry, as dockerd treats
 * 127.0.0.0/8) is tried over HTTPS without verification, then plain HTTP; others need verified HTTPS, with extra
 * CAs from {@code <data-root>/certs.d/<host:port>/*.crt}.
 */
@Component
public class EndpointResolver {
    private static final Logger log = LoggerFactory.getLogger(EndpointResolver.class);
    public static final String DOCKER_IO_UPSTREAM = "https://registry-1.docker.io";
    private final ImagedProperties props;
    private final Path certsDir;
    private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();
    /** Which scheme answered last time for an insecure registry, so a pull does not try both every time. */
    private final Map<String, String> workingScheme = new ConcurrentHashMap<>();

    public EndpointResolver(ImagedProperties props) {
        this.props = props;
        this.certsDir = props.dataRoot().toAbsolutePath().normalize().resolve("certs.d");
    }

    /** Endpoints to try in order for pulling from (or, with {@code push}, pushing to) {@code domain}. */
    public List<RegistryEndpoint> endpoints(String domain, boolean push) {
        List<RegistryEndpoint> out = new ArrayList<>();
        if (domain.equals(ImageReference.DEFAULT_DOMAIN)) {
            if (!push) {
                for (String m : props.registry().mirrors()) {
                    URI u = URI.create(m.contains("://") ? m : "https://" + m);
                    String hp = u.getPort() < 0 ? u.getHost() : u.getHost() + ":" + u.getPort();
                    boolean insecure = isInsecure(hp);
                    out.add(new RegistryEndpoint(domain, stripPath(u), client(hp, u.getScheme().equals("https") && insecure), true, insecure));
                }
            }
            String upstream = props.registry().dockerIoUpstream();
            URI u = URI.create(upstream == null || upstream.isBlank() ? DOCKER_IO_UPSTREAM : upstream);
            String hp = u.getPort() < 0 ? u.getHost() : u.getHost() + ":" + u.getPort();
            out.add(new RegistryEndpoint(domain, stripPath(u), client(hp, isInsecure(hp)), false, isInsecure(hp)));
            return out;
        }
        if (isInsecure(domain)) {
            RegistryEndpoint https = new RegistryEndpoint(domain, URI.create("https://" + domain), client(domain, true), false, true);
            RegistryEndpoint http = new RegistryEndpoint(domain, URI.create("http://" + domain), client(domain, false), false, true);
            if ("http".equals(workingScheme.get(domain))) {
                out.add(http);
                out.add(https);
            } else {
                out.add(https);
                out.add(http);
            }
            return out;
        }
        out.add(new RegistryEndpoint(domain, URI.create("https://" + domain), client(domain, false), false, false));
        return out;
    }

    /** Docker Hub's index, where docker.io's search is ({@code imaged.registry.docker-io-index}). */
    public RegistryEndpoint dockerIoIndex() {
        String index = props.registry().dockerIoIndex();
        URI u = URI.create(index == null || index.isBlank() ? "https://index.docker.io" : index);
        String hp = u.getPort() < 0 ? u.getHost() : u.getHost() + ":" + u.getPort();
        boolean insecure = isInsecure(hp);
        return new RegistryEndpoint(ImageReference.DEFAULT_DOMAIN, stripPath(u), client(hp, u.getScheme().equals("https") && insecure),
                false, insecure);
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
        // dockerd always treats 127.0.0.0/8 as insecure; resolve only literal addresses and localhost (no DNS)
        if (host.equals("localhost") || host.matches("127\\.\\d+\\.\\d+\\.\\d+") || host.equals("::1")) return true;
        try {
            if (host.matches("[0-9.]+")) return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException ignored) {
            return false;
        }
        return false;
    }

    /** An HTTP client for {@code hostPort}: trusting everything when insecure, else the system CAs plus certs.d. */
    private HttpClient client(String hostPort, boolean trustAll) {
        String key = trustAll ? "*insecure*" : hostPort;
        return clients.computeIfAbsent(key, k -> {
            HttpClient.Builder b = HttpClient.newBuilder()
                    .connectTimeout(props.registry().connectTimeout())
                    // RegistrySession follows redirects itself, so that credentials stay with the registry
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .version(HttpClient.Version.HTTP_1_1);
            try {
                if (trustAll) b.sslContext(trustAllContext());
                else {
                    SSLContext ctx = certsDContext(hostPort);
                    if (ctx != null) b.sslContext(ctx);
                }
            } catch (GeneralSecurityException | IOException e) {
                log.warn("TLS setup for {} failed, using the system trust store: {}", hostPort, e.getMessage());
            }
            return b.build();
        });
    }

    /** System CAs plus every {@code *.crt} in {@code certs.d/<hostPort>/}; null when that directory has none. */
    private SSLContext certsDContext(String hostPort) throws GeneralSecurityException, IOException {
        Path dir = certsDir.resolve(hostPort.replace(':', ':'));
        if (!Files.isDirectory(dir)) return null;
        List<Certificate> extra = new ArrayList<>();
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.crt")) {
            for (Path p : s) {
                try (InputStream in = Files.newInputStream(p)) {
                    extra.addAll(cf.generateCertificates(in));
                }
            }
        }
        if (extra.isEmpty()) return null;
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
        for (Certificate c : extra) ks.setCertificateEntry("certsd-" + i++, c);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        log.info("using {} CA certificate(s) from {} for {}", extra.size(), dir, hostPort);
        return ctx;
    }

    /**
     * Accepts any certificate and any host name: an X509ExtendedTrustManager that does not check is also what
     * turns off the JDK client's host name verification, without a JVM-wide system property.
     */
    private static SSLContext trustAllContext() throws GeneralSecurityException {
        X509ExtendedTrustManager trustAll = new X509ExtendedTrustManager() {
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
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[]{trustAll}, null);
        return ctx;
    }
}
